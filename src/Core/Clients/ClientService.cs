using System.Text.Json.Nodes;
using BlueTokens.Core.Audit;
using BlueTokens.Core.Auth;
using BlueTokens.Core.Events;
using BlueTokens.Core.Json;
using BlueTokens.Core.Storage;
using BlueTokens.Core.Tokens;

namespace BlueTokens.Core.Clients;

/// <summary>
/// Everything an administrator does to clients. Each write checks the request, then goes through
/// <see cref="ClientChanges"/>: read, check the caller's If-Match, commit with its audit event conditional on what
/// was read, read again on a concurrent change (and answer 412 where the If-Match no longer holds). A failed
/// request changes nothing.
/// </summary>
internal sealed partial class ClientService(
    ClientStore store,
    ClientChanges changes,
    TokenProtector protector,
    LifetimePolicy lifetimes,
    ContinuationTokens continuations,
    ClientEffects effects,
    TimeProvider time)
{
    public async Task<Outcome<IssuedToken>> CreateAsync(Admin admin, CreateClientCommand command, CancellationToken cancellationToken = default)
    {
        var errors = new Dictionary<string, string[]>();
        string? name = ClientRules.ValidateName(command.Name, out string? nameError);
        AddError(errors, "name", command.Name is null ? "Name is required." : nameError);
        AddError(errors, "role", command.Role is null ? "Role is required." : ClientRules.IsValidRole(command.Role, out string? roleError) ? null : roleError);
        DateTimeOffset now = time.Now();
        Outcome<DateTimeOffset> expiresAt = lifetimes.Resolve(command.ExpiresInDays, command.ExpiresAt, now);
        Merge(errors, expiresAt.Failure);
        IReadOnlyList<string>? networks = Networks(errors, command.AllowedNetworks);
        if (errors.Count > 0)
        {
            return Failure.Invalid(errors);
        }

        string id = ClientIds.New(now);
        string token = AccessToken.Generate();
        string hash = AccessToken.HashWellFormed(token).ToHex();
        var client = new ClientRecord
        {
            TenantId = admin.TenantId,
            Id = id,
            Name = name!,
            Role = command.Role!,
            Disabled = false,
            Version = 1,
            TokenHash = hash,
            TokenPrefix = AccessToken.DisplayPrefix(token),
            ProtectedToken = protector.Protect(token, ClientRecord.ProtectionContextFor(admin.TenantId, id)),
            TokenIssuedAt = now,
            ExpiresAt = expiresAt.Value,
            CreatedAt = now,
            CreatedBy = admin.Actor,
            UpdatedAt = now,
            AllowedNetworks = networks ?? [],
        };

        await effects.IssuingAsync(admin.TenantId, id, hash, now, client.ExpiresAt, cancellationToken);
        var detail = new JsonObject
        {
            ["role"] = client.Role,
            ["tokenPrefix"] = client.TokenPrefix,
            ["expiresAt"] = UtcTimestampConverter.Text(client.ExpiresAt),
        };
        if (client.AllowedNetworks.Count > 0)
        {
            detail["allowedNetworks"] = ClientRules.NetworksJson(client.AllowedNetworks);
        }

        Outcome<Changed> added = await changes.AddAsync(admin.Actor, client, detail, cancellationToken);
        return await IssuedAsync(ClientOf(added), token, admin.TenantId, id, hash, now, client.ExpiresAt);
    }

    public async Task<Outcome<ClientRecord>> GetAsync(Admin admin, string clientId, CancellationToken cancellationToken = default)
    {
        StoredClient? stored = await changes.ReadAsync(admin.TenantId, clientId, cancellationToken);
        return stored is null ? Failure.NotFound(clientId) : stored.Record;
    }

    public async Task<Outcome<ClientPage>> ListAsync(Admin admin, ClientStatus? status, PageRequest page, CancellationToken cancellationToken = default)
    {
        string scope = $"clients|{status}";
        string? after = null;
        if (page.ContinuationToken is { } token && !continuations.TryUnprotect(token, admin.TenantId, scope, out after))
        {
            return ContinuationTokens.NotIssued;
        }

        IReadOnlyList<StoredClient> found = await store.ListClientsAsync(admin.TenantId, status, after, page.PageSize + 1, time.Now(), cancellationToken);
        IReadOnlyList<ClientRecord> items = found.Take(page.PageSize).Select(stored => stored.Record).ToList();
        string? next = found.Count > page.PageSize
            ? continuations.Protect(RowKeys.Client(items[^1].Id), admin.TenantId, scope)
            : null;
        return new ClientPage(items, next);
    }

    public Task<Outcome<ClientRecord>> UpdateAsync(Admin admin, string clientId, UpdateClientCommand command, IfMatch ifMatch, CancellationToken cancellationToken = default)
    {
        var errors = new Dictionary<string, string[]>();
        string? name = null;
        if (command.Name is not null)
        {
            name = ClientRules.ValidateName(command.Name, out string? nameError);
            AddError(errors, "name", nameError);
        }

        if (command.Role is not null && !ClientRules.IsValidRole(command.Role, out string? roleError))
        {
            AddError(errors, "role", roleError);
        }

        IReadOnlyList<string>? networks = Networks(errors, command.AllowedNetworks);

        if (errors.Count > 0)
        {
            return Task.FromResult<Outcome<ClientRecord>>(Failure.Invalid(errors));
        }

        return ChangeAsync(admin, clientId, ifMatch, (client, now) => ClientRules.Update(client, name, command.Role, networks, now), cancellationToken);
    }

    /// <summary>
    /// Disables or enables; idempotent. A client whose current token secret scanning reported stays disabled until a
    /// regenerate (judged on the client as committed, so a report that lands meanwhile is not enabled over).
    /// </summary>
    public Task<Outcome<ClientRecord>> SetDisabledAsync(Admin admin, string clientId, bool disabled, IfMatch ifMatch, CancellationToken cancellationToken = default) =>
        ChangeAsync(admin, clientId, ifMatch, (client, now) =>
            !disabled && client.Leak is { } leak
                ? new ChangeDecision.Refuse(new Failure(FailureKind.TokenLeaked,
                    $"Secret scanning reported this client's token as public at {UtcTimestampConverter.Text(leak.ReportedAt)}; regenerate the token first, then enable the client."))
            : client.Disabled == disabled
                ? ChangeDecision.None
                : ChangeDecision.Revise(client with { Disabled = disabled }, now,
                    new AuditNote(disabled ? AuditActions.ClientDisabled : AuditActions.ClientEnabled),
                    disabled ? LifecycleEventTypes.ClientDisabled : LifecycleEventTypes.ClientEnabled),
            cancellationToken);

    public async Task<Outcome<bool>> DeleteAsync(Admin admin, string clientId, IfMatch ifMatch, CancellationToken cancellationToken = default)
    {
        Outcome<ClientRecord> deleted = await ChangeAsync(admin, clientId, ifMatch, (_, _) => new ChangeDecision.Delete(), cancellationToken);
        return deleted.Succeeded ? true : deleted.Failure!;
    }

    private async Task<Outcome<ClientRecord>> ChangeAsync(
        Admin admin, string clientId, IfMatch ifMatch, Func<ClientRecord, DateTimeOffset, ChangeDecision> decide, CancellationToken cancellationToken,
        StoredClient? read = null)
    {
        var request = new ChangeRequest(admin.TenantId, clientId, admin.Actor, ifMatch, ChangeRetry.Admin) { Read = read };
        return ClientOf(await changes.ApplyAsync(request, decide, cancellationToken));
    }

    /// <summary>The token a create or regenerate issued; where its change did not commit, what was written for it is removed.</summary>
    private async Task<Outcome<IssuedToken>> IssuedAsync(
        Outcome<ClientRecord> changed, string token, string tenantId, string clientId, string hash, DateTimeOffset issuedAt, DateTimeOffset expiresAt)
    {
        if (!changed.Succeeded)
        {
            await effects.NotIssuedAsync(tenantId, clientId, hash, issuedAt, expiresAt);
            return changed.Failure!;
        }

        return new IssuedToken(changed.Value!, token);
    }

    private static Outcome<ClientRecord> ClientOf(Outcome<Changed> changed) =>
        changed.Succeeded ? changed.Value!.Client : changed.Failure!;

    /// <summary>The networks in canonical form, or null where absent or invalid (then with their errors).</summary>
    private static IReadOnlyList<string>? Networks(Dictionary<string, string[]> errors, IReadOnlyList<string?>? given)
    {
        if (given is null)
        {
            return null;
        }

        IReadOnlyList<string>? canonical = NetworkRules.Canonicalize(given, out IReadOnlyList<string> problems);
        foreach (string problem in problems)
        {
            AddError(errors, "allowedNetworks", problem);
        }

        return canonical;
    }

    private static void AddError(Dictionary<string, string[]> errors, string field, string? error)
    {
        if (error is not null)
        {
            errors[field] = [.. errors.GetValueOrDefault(field, []), error];
        }
    }

    private static void Merge(Dictionary<string, string[]> errors, Failure? failure)
    {
        foreach ((string field, string[] messages) in failure?.Errors ?? new Dictionary<string, string[]>())
        {
            foreach (string message in messages)
            {
                AddError(errors, field, message);
            }
        }
    }
}
