using Azure;
using Azure.Data.Tables;
using BlueTokens.Core.Clients;
using BlueTokens.Core.Storage;
using Microsoft.Extensions.Logging;

namespace BlueTokens.Core.Tokens;

/// <summary>What one rewrap run did, and whether any value is left under an older key.</summary>
internal sealed record RewrapRunResult(string KeyId, int Rewrapped, int Skipped, int Unreadable, bool Finished);

/// <summary>
/// Rewraps the stored tokens written under a previous <c>Tokens__EncryptionKey</c> under the current one, so that
/// an old key can be removed (README, "Rotating the encryption key"). Run by the timer in batches: each run reads
/// at most <c>batchSize</c> of the clients still under an older key (the query asks the table for exactly those,
/// by the key id every value starts with), resumes where the last run stopped, and is a no-op once a whole pass has
/// found none left. Each rewrap is a merge of the one property, conditional on the row as read, so it never undoes
/// a change made meanwhile (that row waits for the next pass) and does not change the client's API ETag.
/// </summary>
internal sealed partial class KeyRewrap(StorageTables tables, TokenProtector protector, ILogger<KeyRewrap> logger)
{
    public const string Table = "maintenance";
    private const string Partition = "rewrap";
    private const string Row = "state";

    private readonly EnsuredTable _state = tables.Ensured(Table);
    private readonly TableClient _clients = tables.Get(ClientStore.ClientsTable);

    /// <summary>The id of the key every value is rewrapped under (the current <c>Tokens__EncryptionKey</c>'s).</summary>
    public string CurrentKeyId => protector.CurrentKeyId;

    public async Task<RewrapRunResult> RunAsync(int batchSize, CancellationToken cancellationToken = default)
    {
        await _state.EnsureAsync(cancellationToken);
        string keyId = protector.CurrentKeyId;
        State state = await ReadStateAsync(cancellationToken);
        if (state.KeyId == keyId && state.Finished)
        {
            return new RewrapRunResult(keyId, 0, 0, state.Unreadable, true);
        }

        if (state.KeyId != keyId)
        {
            state = new State(keyId, Continuation: null, Finished: false, PassFoundAny: false, Unreadable: 0, state.ETag);
        }

        int rewrapped = 0, skipped = 0, unreadable = 0;
        Page<ClientEntity>? page = null;
        await foreach (Page<ClientEntity> read in _clients
            .QueryAsync<ClientEntity>(UnderOlderKeys(keyId), maxPerPage: batchSize, cancellationToken: cancellationToken)
            .AsPages(state.Continuation, batchSize))
        {
            page = read;
            break;
        }

        foreach (ClientEntity client in page?.Values ?? [])
        {
            switch (await RewrapAsync(client, cancellationToken))
            {
                case Rewrap.Done:
                    rewrapped++;
                    break;
                case Rewrap.ChangedMeanwhile:
                    skipped++;
                    break;
                case Rewrap.Unreadable:
                    unreadable++;
                    LogUnreadable(logger, client.ClientId);
                    break;
            }
        }

        // A pass ends where the query has no more pages. Finished only after a whole pass that found nothing to do:
        // a value written under an older key by an instance still on the old settings is caught by the next pass.
        bool foundAny = state.PassFoundAny || rewrapped > 0 || skipped > 0;
        string? continuation = page?.ContinuationToken;
        State next = continuation is null
            ? state with { Continuation = null, Finished = !foundAny, PassFoundAny = false, Unreadable = state.Unreadable + unreadable }
            : state with { Continuation = continuation, PassFoundAny = foundAny, Unreadable = state.Unreadable + unreadable };
        if (continuation is null && !next.Finished)
        {
            next = next with { Unreadable = 0 }; // counted afresh by the next pass
        }

        await WriteStateAsync(next, cancellationToken);
        var result = new RewrapRunResult(keyId, rewrapped, skipped, unreadable, next.Finished);
        LogRun(logger, keyId, rewrapped, skipped, unreadable, next.Finished);
        return result;
    }

    private async Task<Rewrap> RewrapAsync(ClientEntity client, CancellationToken cancellationToken)
    {
        if (!protector.NeedsRewrap(client.ProtectedToken))
        {
            return Rewrap.AlreadyCurrent; // the query asks for none of these; a store that answers loosely costs nothing
        }

        string context = ClientRecord.ProtectionContextFor(client.PartitionKey, client.ClientId);
        if (!protector.TryUnprotect(client.ProtectedToken, context, out string? token))
        {
            return Rewrap.Unreadable;
        }

        var patch = new TableEntity(client.PartitionKey, client.RowKey) { [nameof(ClientEntity.ProtectedToken)] = protector.Protect(token, context) };
        try
        {
            await _clients.UpdateEntityAsync(patch, client.ETag, TableUpdateMode.Merge, cancellationToken);
            return Rewrap.Done;
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            return Rewrap.ChangedMeanwhile; // the next pass reads it again (or finds it gone)
        }
    }

    /// <summary>
    /// Client rows whose protected token does not start with <c>v1.{keyId}.</c>: below that prefix or at or after the
    /// first string past it ('/' follows '.').
    /// </summary>
    internal static string UnderOlderKeys(string keyId)
    {
        string prefix = $"v1.{keyId}.";
        string pastPrefix = $"v1.{keyId}/";
        return TableClient.CreateQueryFilter(
            $"RowKey ge {RowKeys.ClientPrefix} and RowKey lt {RowKeys.AfterPrefix(RowKeys.ClientPrefix)} and (ProtectedToken lt {prefix} or ProtectedToken ge {pastPrefix})");
    }

    private async Task<State> ReadStateAsync(CancellationToken cancellationToken)
    {
        NullableResponse<TableEntity> row = await _state.Client.GetEntityIfExistsAsync<TableEntity>(Partition, Row, cancellationToken: cancellationToken);
        if (!row.HasValue)
        {
            return new State("", null, false, false, 0, default);
        }

        TableEntity value = row.Value!;
        return new State(
            value.GetString(nameof(State.KeyId)) ?? "",
            value.GetString(nameof(State.Continuation)),
            value.GetBoolean(nameof(State.Finished)) ?? false,
            value.GetBoolean(nameof(State.PassFoundAny)) ?? false,
            value.GetInt32(nameof(State.Unreadable)) ?? 0,
            value.ETag);
    }

    /// <summary>Conditional on the state as read: of two runs at once, the second's write fails and its work is simply done again.</summary>
    private async Task WriteStateAsync(State state, CancellationToken cancellationToken)
    {
        var row = new TableEntity(Partition, Row)
        {
            [nameof(State.KeyId)] = state.KeyId,
            [nameof(State.Continuation)] = state.Continuation,
            [nameof(State.Finished)] = state.Finished,
            [nameof(State.PassFoundAny)] = state.PassFoundAny,
            [nameof(State.Unreadable)] = state.Unreadable,
        };
        try
        {
            if (state.ETag == default)
            {
                await _state.Client.AddEntityAsync(row, cancellationToken);
            }
            else
            {
                await _state.Client.UpdateEntityAsync(row, state.ETag, TableUpdateMode.Replace, cancellationToken);
            }
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
        }
    }

    private enum Rewrap
    {
        Done,
        ChangedMeanwhile,
        Unreadable,
        AlreadyCurrent,
    }

    private sealed record State(string KeyId, string? Continuation, bool Finished, bool PassFoundAny, int Unreadable, ETag ETag);

    [LoggerMessage(Level = LogLevel.Information, Message = "Key rewrap to key {KeyId}: {Rewrapped} rewrapped, {Skipped} changed meanwhile, {Unreadable} unreadable; none left under an older key: {Finished}")]
    private static partial void LogRun(ILogger logger, string keyId, int rewrapped, int skipped, int unreadable, bool finished);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The stored token of client {ClientId} opens with none of the configured keys; Show refuses it until it is regenerated")]
    private static partial void LogUnreadable(ILogger logger, string clientId);
}
