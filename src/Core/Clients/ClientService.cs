using System.Text.Json.Nodes;
using BlueTokens.Core.Audit;
using BlueTokens.Core.Auth;
using BlueTokens.Core.Json;
using BlueTokens.Core.Storage;
using BlueTokens.Core.Tokens;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlueTokens.Core.Clients;

/// <summary>
/// Everything an administrator does to clients. Each write reads the client, checks the caller's If-Match, and
/// commits the change with its audit event in one transaction conditional on what it read; a concurrent change
/// makes it read again (and answer 412 where the caller's If-Match no longer holds). A failed request changes nothing.
/// </summary>
internal sealed partial class ClientService(
    ClientStore store,
    TokenLookups lookups,
    TokenProtector protector,
    LifetimePolicy lifetimes,
    ContinuationTokens continuations,
    ClientEffects effects,
    IOptions<TenantOptions> tenants,
    TimeProvider time,
    ILogger<ClientService> logger)
{
    // Conflicts come only from concurrent writers of one tenant (every create also moves the tenant's counter);
    // re-reads with a jittered, growing pause settle even a burst of creates in one tenant.
    private const int MaxAttempts = 30;

    public async Task<Outcome<IssuedToken>> CreateAsync(Admin admin, CreateClientCommand command, CancellationToken cancellationToken = default)
    {
        var errors = new Dictionary<string, string[]>();
        string? name = ClientRules.ValidateName(command.Name, out string? nameError);
        AddError(errors, "name", command.Name is null ? "Name is required." : nameError);
        AddError(errors, "role", command.Role is null ? "Role is required." : ClientRules.IsValidRole(command.Role, out string? roleError) ? null : roleError);
        DateTimeOffset now = time.Now();
        Outcome<DateTimeOffset> expiresAt = lifetimes.Resolve(command.ExpiresInDays, command.ExpiresAt, now);
        Merge(errors, expiresAt.Failure);
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
        };

        // The lookup and the expiry index row go first: until the client row commits they lead nowhere (the
        // lookup is removed if that fails; an index row that matches no client is dropped when it falls due).
        await Task.WhenAll(
            lookups.InsertLookupAsync(hash, admin.TenantId, id, client.ExpiresAt, cancellationToken),
            effects.ScheduleAsync([effects.TokenEntry(admin.TenantId, id, hash, now, client.ExpiresAt)], cancellationToken));
        Outcome<IssuedToken> outcome = await CommitCreateAsync(admin, client, token, cancellationToken);
        if (!outcome.Succeeded)
        {
            await lookups.DeleteLookupAsync(hash, CancellationToken.None);
        }

        return outcome;
    }

    public async Task<Outcome<ClientRecord>> GetAsync(Admin admin, string clientId, CancellationToken cancellationToken = default)
    {
        StoredClient? stored = await ReadAsync(admin, clientId, cancellationToken);
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

        if (errors.Count > 0)
        {
            return Task.FromResult<Outcome<ClientRecord>>(Failure.Invalid(errors));
        }

        return ChangeAsync(admin, clientId, ifMatch, (client, now) =>
        {
            var changes = new JsonObject();
            if (name is not null && name != client.Name)
            {
                changes["name"] = new JsonObject { ["from"] = client.Name, ["to"] = name };
            }

            if (command.Role is not null && command.Role != client.Role)
            {
                changes["role"] = new JsonObject { ["from"] = client.Role, ["to"] = command.Role };
            }

            if (changes.Count == 0)
            {
                return null;
            }

            ClientRecord updated = client with { Name = name ?? client.Name, Role = command.Role ?? client.Role };
            return new Change(updated, AuditActions.ClientUpdated, new JsonObject { ["changes"] = changes });
        }, cancellationToken);
    }

    public Task<Outcome<ClientRecord>> SetDisabledAsync(Admin admin, string clientId, bool disabled, IfMatch ifMatch, CancellationToken cancellationToken = default) =>
        ChangeAsync(admin, clientId, ifMatch, (client, _) =>
            client.Disabled == disabled
                ? null
                : new Change(client with { Disabled = disabled }, disabled ? AuditActions.ClientDisabled : AuditActions.ClientEnabled, null),
            cancellationToken);

    public async Task<Outcome<bool>> DeleteAsync(Admin admin, string clientId, IfMatch ifMatch, CancellationToken cancellationToken = default)
    {
        for (int attempt = 1; ; attempt++)
        {
            StoredClient? stored = await ReadAsync(admin, clientId, cancellationToken);
            if (stored is null)
            {
                return Failure.NotFound(clientId);
            }

            if (!ifMatch.Matches(stored.Record.ETag))
            {
                return PreconditionFailed(stored.Record);
            }

            ClientRecord client = stored.Record;
            TenantEntity? tenant = await store.GetTenantAsync(admin.TenantId, cancellationToken);
            var batch = new PartitionBatch(admin.TenantId)
                .DeleteClient(client.Id, stored.ETag)
                .ReleaseName(ClientRules.NameKey(client.Name))
                .Audit(NewEvent(admin.Actor, AuditActions.ClientDeleted, client, null));
            if (tenant is not null)
            {
                batch.SetClientCount(tenant, Math.Max(0, tenant.ClientCount - 1));
            }

            if (await store.CommitAsync(batch, cancellationToken) == CommitResult.Committed)
            {
                await effects.DeletedAsync(client);
                await RemoveLookupsAsync(ClientEffects.Hashes(client));
                return true;
            }

            await BackOffAsync(attempt, cancellationToken);
        }
    }

    private async Task<Outcome<IssuedToken>> CommitCreateAsync(Admin admin, ClientRecord client, string token, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            TenantEntity? tenant = await store.GetTenantAsync(admin.TenantId, cancellationToken);
            int count = tenant?.ClientCount ?? 0;
            if (count >= tenants.Value.MaxClients)
            {
                return new Failure(FailureKind.ClientLimitReached, $"This tenant already has {count} clients, the most it may have ({tenants.Value.MaxClients}). Delete one first.");
            }

            var batch = new PartitionBatch(admin.TenantId)
                .SetClientCount(tenant, count + 1)
                .ReserveName(ClientRules.NameKey(client.Name), client.Id)
                .AddClient(client)
                .Audit(NewEvent(admin.Actor, AuditActions.ClientCreated, client, new JsonObject
                {
                    ["role"] = client.Role,
                    ["tokenPrefix"] = client.TokenPrefix,
                    ["expiresAt"] = UtcTimestampConverter.Text(client.ExpiresAt),
                }));
            switch (await store.CommitAsync(batch, cancellationToken))
            {
                case CommitResult.Committed:
                    await effects.CreatedAsync(client);
                    return new IssuedToken(client, token);
                case CommitResult.NameTaken:
                    return NameTaken(client.Name);
                default:
                    await BackOffAsync(attempt, cancellationToken);
                    break;
            }
        }
    }

    /// <summary>
    /// The read, check, commit loop every single-client change shares. <paramref name="decide"/> returns the new
    /// state and its audit event, or null where there is nothing to change (then nothing is written or audited).
    /// </summary>
    private async Task<Outcome<ClientRecord>> ChangeAsync(
        Admin admin, string clientId, IfMatch ifMatch, Func<ClientRecord, DateTimeOffset, Change?> decide, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            StoredClient? stored = await ReadAsync(admin, clientId, cancellationToken);
            if (stored is null)
            {
                return Failure.NotFound(clientId);
            }

            if (!ifMatch.Matches(stored.Record.ETag))
            {
                return PreconditionFailed(stored.Record);
            }

            DateTimeOffset now = time.Now();
            if (decide(stored.Record, now) is not { } change)
            {
                return stored.Record;
            }

            ClientRecord current = stored.Record;
            ClientRecord updated = change.Client with { Version = current.Version + 1, UpdatedAt = now };
            var batch = new PartitionBatch(admin.TenantId);
            string oldKey = ClientRules.NameKey(current.Name), newKey = ClientRules.NameKey(updated.Name);
            if (oldKey != newKey)
            {
                batch.ReleaseName(oldKey).ReserveName(newKey, current.Id);
            }

            batch.ReplaceClient(updated, stored.ETag).Audit(NewEvent(admin.Actor, change.Action, updated, change.Detail));
            switch (await store.CommitAsync(batch, cancellationToken))
            {
                case CommitResult.Committed:
                    await effects.ChangedAsync(current, updated, change.Action);
                    await change.AfterCommit(current);
                    return updated;
                case CommitResult.NameTaken:
                    return NameTaken(updated.Name);
                default:
                    await BackOffAsync(attempt, cancellationToken);
                    break;
            }
        }
    }

    private Task<StoredClient?> ReadAsync(Admin admin, string clientId, CancellationToken cancellationToken) =>
        ClientIds.IsWellFormed(clientId)
            ? store.GetClientAsync(admin.TenantId, clientId, cancellationToken)
            : Task.FromResult<StoredClient?>(null);

    private AuditEvent NewEvent(string actor, string action, ClientRecord client, JsonObject? detail) =>
        new(Guid.NewGuid().ToString("N"), time.Now(), actor, action, client.Id, client.Name, detail);

    private async Task RemoveLookupsAsync(IEnumerable<string> hashes)
    {
        foreach (string hash in hashes)
        {
            try
            {
                await lookups.DeleteLookupAsync(hash, CancellationToken.None);
            }
            catch (Azure.RequestFailedException e)
            {
                // Harmless if left: a lookup only leads to the client row, which no longer names this token.
                LogLookupCleanupFailed(logger, e.Status);
            }
        }
    }

    private static async Task BackOffAsync(int attempt, CancellationToken cancellationToken)
    {
        if (attempt >= MaxAttempts)
        {
            throw new InvalidOperationException($"Gave up after {MaxAttempts} concurrent changes to one tenant.");
        }

        int ceiling = Math.Min(250, 5 << Math.Min(attempt, 6));
        await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, ceiling)), cancellationToken);
    }

    private static Failure NameTaken(string name) =>
        new(FailureKind.NameTaken, $"Another client of this tenant is already named '{name}' (names compare case-insensitively).",
            new Dictionary<string, string[]> { ["name"] = ["This name is taken."] });

    private static Failure PreconditionFailed(ClientRecord current) =>
        new(FailureKind.PreconditionFailed, $"The client has changed since the ETag you sent; its ETag is now {current.ETag}. Read it again and retry.");

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "A token lookup could not be removed (status {Status}); it leads to no client and will be cleaned up later")]
    private static partial void LogLookupCleanupFailed(ILogger logger, int status);

    /// <summary>A decided change: the new state, its audit event, and what must follow its commit.</summary>
    private sealed record Change(ClientRecord Client, string Action, JsonObject? Detail)
    {
        public Func<ClientRecord, Task> AfterCommit { get; init; } = _ => Task.CompletedTask;
    }
}
