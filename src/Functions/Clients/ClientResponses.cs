using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using BlueTokens.Core.Audit;
using BlueTokens.Core.Clients;

namespace BlueTokens.Functions.Clients;

/// <summary>A client as the contract shows it; <c>status</c> is computed at the moment of the response.</summary>
internal sealed record ClientResponse(
    string Id,
    string Name,
    string Role,
    string Status,
    string TokenPrefix,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset UpdatedAt,
    DateTimeOffset TokenIssuedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? LastUsedAt,
    IReadOnlyList<string> AllowedNetworks,
    LeakResponse? Leak)
{
    public static ClientResponse From(ClientRecord client, DateTimeOffset now) => new(
        client.Id,
        client.Name,
        client.Role,
        client.StatusAt(now).ToWire(),
        client.TokenPrefix,
        client.CreatedAt,
        client.CreatedBy,
        client.UpdatedAt,
        client.TokenIssuedAt,
        client.ExpiresAt,
        client.LastUsedAt,
        client.AllowedNetworks,
        client.Leak is { } leak ? new LeakResponse(leak.ReportedAt, leak.Url, leak.Source) : null);
}

/// <summary>Where secret scanning found the client's current token; <c>null</c> in the body where it found none.</summary>
internal sealed record LeakResponse(DateTimeOffset ReportedAt, string Url, string Source);

internal sealed record IssuedTokenResponse(ClientResponse Client, string Token);

internal sealed record TokenResponse(string Token);

internal sealed record ClientListResponse(IReadOnlyList<ClientResponse> Items, string? ContinuationToken);

internal sealed record AuditEventResponse(
    string Id,
    DateTimeOffset At,
    string Actor,
    string Action,
    string ClientId,
    string ClientName,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonObject? Detail)
{
    public static AuditEventResponse From(AuditEvent audit) =>
        new(audit.Id, audit.At, audit.Actor, audit.Action, audit.ClientId, audit.ClientName, audit.Detail);
}

internal sealed record AuditListResponse(IReadOnlyList<AuditEventResponse> Items, string? ContinuationToken);
