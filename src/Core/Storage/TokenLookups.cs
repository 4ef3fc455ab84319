using Azure;
using Azure.Data.Tables;

namespace BlueTokens.Core.Storage;

/// <summary>
/// The <c>tokenlookup</c> table, which takes a validate miss from a token to its client in one point read. Written by
/// management around its commits and by the expiry timer; read by the validate path. An index, not a source of
/// truth: the client row judges whether a token still counts, so the last writer's value is always the one wanted.
/// </summary>
internal sealed class TokenLookups(StorageTables tables)
{
    public const string Table = "tokenlookup";

    private readonly EnsuredTable _table = tables.Ensured(Table);

    public async Task InsertLookupAsync(string tokenHash, string tenantId, string clientId, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        await _table.EnsureAsync(cancellationToken);
        await _table.Client.AddEntityAsync(
            new TokenLookupEntity { PartitionKey = tokenHash, RowKey = "", TenantId = tenantId, ClientId = clientId, ExpiresAt = expiresAt },
            cancellationToken);
    }

    public async Task<TokenLookupEntity?> GetLookupAsync(string tokenHash, CancellationToken cancellationToken = default)
    {
        await _table.EnsureAsync(cancellationToken);
        NullableResponse<TokenLookupEntity> response = await _table.Client.GetEntityIfExistsAsync<TokenLookupEntity>(tokenHash, "", cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>Moves a lookup's end (a grace period): an index entry, so the last writer's value is the one wanted.</summary>
    public async Task SetLookupExpiryAsync(string tokenHash, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        var patch = new TableEntity(tokenHash, "") { [nameof(TokenLookupEntity.ExpiresAt)] = expiresAt };
        try
        {
            await _table.Client.UpdateEntityAsync(patch, ETag.All, TableUpdateMode.Merge, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Already removed: nothing left to move.
        }
    }

    public async Task DeleteLookupAsync(string tokenHash, CancellationToken cancellationToken = default)
    {
        await _table.Client.DeleteEntityAsync(tokenHash, "", ETag.All, cancellationToken);
    }
}
