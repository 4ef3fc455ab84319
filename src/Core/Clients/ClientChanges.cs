using System.Text.Json.Nodes;
using BlueTokens.Core.Audit;
using BlueTokens.Core.Storage;
using Microsoft.Extensions.Options;

namespace BlueTokens.Core.Clients;

/// <summary>
/// The one way a client row is written, by an administrator or by the timer: read it, check the precondition,
/// decide, and commit the decision with its audit event in one transaction conditional on what was read; a
/// concurrent writer makes it back off and read again. Once committed, <see cref="ClientEffects"/> follows.
/// </summary>
internal sealed class ClientChanges(ClientStore store, ClientEffects effects, IOptions<TenantOptions> tenants, TimeProvider time)
{
    /// <summary>The client, or null where there is none (an id that cannot be a client's is not asked for).</summary>
    public Task<StoredClient?> ReadAsync(string tenantId, string clientId, CancellationToken cancellationToken = default) =>
        ClientIds.IsWellFormed(clientId)
            ? store.GetClientAsync(tenantId, clientId, cancellationToken)
            : Task.FromResult<StoredClient?>(null);

    /// <summary>
    /// Reads, checks and commits <paramref name="decide"/>'s decision until it holds. Fails (changing nothing)
    /// where the client is gone, the If-Match no longer holds, or a new name is taken.
    /// </summary>
    public Task<Outcome<Changed>> ApplyAsync(ChangeRequest request, Func<ClientRecord, DateTimeOffset, ChangeDecision> decide, CancellationToken cancellationToken = default) =>
        RetryAsync(request.Retry, attempt => TryApplyAsync(request, attempt, decide, cancellationToken), cancellationToken);

    /// <summary>Adds a new client, within the tenant's limit and under a name no other client holds.</summary>
    public Task<Outcome<Changed>> AddAsync(string actor, ClientRecord client, JsonObject detail, CancellationToken cancellationToken = default) =>
        RetryAsync(ChangeRetry.Admin, _ => TryAddAsync(actor, client, detail, cancellationToken), cancellationToken);

    /// <summary>Writes an audit event that changes nothing else (a Show).</summary>
    public async Task AuditAsync(string actor, ClientRecord client, AuditNote audit, CancellationToken cancellationToken = default)
    {
        var batch = new PartitionBatch(client.TenantId).Audit(NewEvent(actor, audit, client));
        if (await store.CommitAsync(batch, cancellationToken) != CommitResult.Committed)
        {
            throw new InvalidOperationException($"The audit event {audit.Action} of client {client.Id} could not be written.");
        }
    }

    /// <summary>One attempt: the outcome, or null where a concurrent writer got there first.</summary>
    private async Task<Outcome<Changed>?> TryApplyAsync(
        ChangeRequest request, int attempt, Func<ClientRecord, DateTimeOffset, ChangeDecision> decide, CancellationToken cancellationToken)
    {
        StoredClient? stored = attempt == 1 && request.Read is { } read ? read : await ReadAsync(request.TenantId, request.ClientId, cancellationToken);
        if (stored is null)
        {
            return Failure.NotFound(request.ClientId);
        }

        ClientRecord current = stored.Record;
        if (!request.IfMatch.Matches(current.ETag))
        {
            return PreconditionFailed(current);
        }

        switch (decide(current, time.Now()))
        {
            case ChangeDecision.Update update:
                ClientRecord updated = update.Client;
                return await CommitAsync(UpdateBatch(request.Actor, stored, update), updated.Name, async () =>
                {
                    await effects.ChangedAsync(current, updated, update.EventType);
                    return new Changed(updated, Committed: true);
                }, cancellationToken);
            case ChangeDecision.Refuse refuse:
                return refuse.Failure;
            case ChangeDecision.Delete:
                return await CommitAsync(await DeleteBatchAsync(request.Actor, stored, cancellationToken), current.Name, async () =>
                {
                    await effects.DeletedAsync(current);
                    return new Changed(current, Committed: true);
                }, cancellationToken);
            default:
                return new Changed(current, Committed: false);
        }
    }

    private async Task<Outcome<Changed>?> TryAddAsync(string actor, ClientRecord client, JsonObject detail, CancellationToken cancellationToken)
    {
        TenantEntity? tenant = await store.GetTenantAsync(client.TenantId, cancellationToken);
        int count = tenant?.ClientCount ?? 0;
        int max = tenants.Value.MaxClients;
        if (count >= max)
        {
            return new Failure(FailureKind.ClientLimitReached, $"This tenant already has {count} clients, the most it may have ({max}). Delete one first.");
        }

        var batch = new PartitionBatch(client.TenantId)
            .SetClientCount(tenant, count + 1)
            .ReserveName(ClientRules.NameKey(client.Name), client.Id)
            .AddClient(client)
            .Audit(NewEvent(actor, new AuditNote(AuditActions.ClientCreated, detail), client));
        return await CommitAsync(batch, client.Name, async () =>
        {
            await effects.CreatedAsync(client);
            return new Changed(client, Committed: true);
        }, cancellationToken);
    }

    private PartitionBatch UpdateBatch(string actor, StoredClient stored, ChangeDecision.Update update)
    {
        ClientRecord current = stored.Record, updated = update.Client;
        var batch = new PartitionBatch(current.TenantId);
        string oldKey = ClientRules.NameKey(current.Name), newKey = ClientRules.NameKey(updated.Name);
        if (oldKey != newKey)
        {
            batch.ReleaseName(oldKey).ReserveName(newKey, current.Id);
        }

        batch.ReplaceClient(updated, stored.ETag);
        if (update.Audit is { } audit)
        {
            batch.Audit(NewEvent(actor, audit, updated));
        }

        return batch;
    }

    private async Task<PartitionBatch> DeleteBatchAsync(string actor, StoredClient stored, CancellationToken cancellationToken)
    {
        ClientRecord client = stored.Record;
        TenantEntity? tenant = await store.GetTenantAsync(client.TenantId, cancellationToken);
        var batch = new PartitionBatch(client.TenantId)
            .DeleteClient(client.Id, stored.ETag)
            .ReleaseName(ClientRules.NameKey(client.Name))
            .Audit(NewEvent(actor, new AuditNote(AuditActions.ClientDeleted), client));
        if (tenant is not null)
        {
            batch.SetClientCount(tenant, Math.Max(0, tenant.ClientCount - 1));
        }

        return batch;
    }

    /// <summary>Commits; on success runs <paramref name="committed"/>; null where a concurrent writer got there first.</summary>
    private async Task<Outcome<Changed>?> CommitAsync(PartitionBatch batch, string name, Func<Task<Changed>> committed, CancellationToken cancellationToken) =>
        (await store.CommitAsync(batch, cancellationToken)) switch
        {
            CommitResult.Committed => await committed(),
            CommitResult.NameTaken => NameTaken(name),
            _ => null,
        };

    private static async Task<Outcome<Changed>> RetryAsync(ChangeRetry retry, Func<int, Task<Outcome<Changed>?>> tryOnce, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            if (await tryOnce(attempt) is { } outcome)
            {
                return outcome;
            }

            if (attempt >= retry.MaxAttempts)
            {
                throw retry.GiveUp();
            }

            int ceiling = Math.Min(250, 5 << Math.Min(attempt, 6));
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, ceiling)), cancellationToken);
        }
    }

    private AuditEvent NewEvent(string actor, AuditNote audit, ClientRecord client) =>
        new(Guid.NewGuid().ToString("N"), time.Now(), actor, audit.Action, client.Id, client.Name, audit.Detail);

    private static Failure NameTaken(string name) =>
        new(FailureKind.NameTaken, $"Another client of this tenant is already named '{name}' (names compare case-insensitively).",
            new Dictionary<string, string[]> { ["name"] = ["This name is taken."] });

    private static Failure PreconditionFailed(ClientRecord current) =>
        new(FailureKind.PreconditionFailed, $"The client has changed since the ETag you sent; its ETag is now {current.ETag}. Read it again and retry.");
}
