using System.Text.Json.Nodes;
using BlueTokens.Core.Storage;

namespace BlueTokens.Core.Clients;

/// <summary>What a change decided, having read the client: update it, delete it, or leave it as it is.</summary>
internal abstract record ChangeDecision
{
    /// <summary>Nothing to change: nothing is written, audited or published.</summary>
    public static readonly ChangeDecision None = new NoChange();

    /// <summary>
    /// An administrator's change: the client as changed, at a new version updated now, with its audit event and
    /// lifecycle event.
    /// </summary>
    public static Update Revise(ClientRecord changed, DateTimeOffset now, AuditNote audit, string eventType) =>
        new(changed with { Version = changed.Version + 1, UpdatedAt = now }, audit, eventType);

    public sealed record NoChange : ChangeDecision;

    /// <summary>
    /// Replace the client row with <see cref="Client"/> as given (the timer's bookkeeping keeps the version, an
    /// admin's change moves it: see <see cref="Revise"/>), with the audit event where there is one.
    /// </summary>
    public sealed record Update(ClientRecord Client, AuditNote? Audit, string EventType) : ChangeDecision;

    /// <summary>Delete the client, release its name and count it out of its tenant.</summary>
    public sealed record Delete : ChangeDecision;

    /// <summary>Refuse the request for what the client is now: nothing is written, and the request fails with <see cref="Failure"/>.</summary>
    public sealed record Refuse(Failure Failure) : ChangeDecision;
}

/// <summary>An audit event's action and detail; who, when and which client come from the change itself.</summary>
internal sealed record AuditNote(string Action, JsonObject? Detail = null);

/// <summary>Whose change, to which client, on what precondition, and how many concurrent writers it may meet.</summary>
internal sealed record ChangeRequest(string TenantId, string ClientId, string Actor, IfMatch IfMatch, ChangeRetry Retry)
{
    /// <summary>The client as the caller has just read it: the first attempt decides on it instead of reading again.</summary>
    public StoredClient? Read { get; init; }
}

/// <summary>How many commits a change may try before it gives up, and what it throws then.</summary>
internal sealed record ChangeRetry(int MaxAttempts, Func<Exception> GiveUp)
{
    // Conflicts come only from concurrent writers of one tenant (every create also moves the tenant's counter);
    // re-reads with a jittered, growing pause settle even a burst of creates in one tenant.
    public static readonly ChangeRetry Admin = new(30, () => new InvalidOperationException("Gave up after 30 concurrent changes to one tenant."));
}

/// <summary>
/// The client after the change (as it was, for a delete or no change), and whether anything was committed.
/// </summary>
internal sealed record Changed(ClientRecord Client, bool Committed);
