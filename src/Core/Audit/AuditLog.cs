using BlueTokens.Core.Auth;
using BlueTokens.Core.Clients;
using BlueTokens.Core.Storage;

namespace BlueTokens.Core.Audit;

/// <summary>Reads a tenant's audit trail, newest first, whole or for one client (which may since have been deleted).</summary>
internal sealed class AuditLog(ClientStore store, ContinuationTokens continuations)
{
    public async Task<Outcome<AuditPage>> ListAsync(Admin admin, string? clientId, PageRequest page, CancellationToken cancellationToken = default)
    {
        string scope = $"audit|{clientId}";
        string? after = null;
        if (page.ContinuationToken is { } token && !continuations.TryUnprotect(token, admin.TenantId, scope, out after))
        {
            return ContinuationTokens.NotIssued;
        }

        // An id that cannot be a client's has no events; asking storage would need it in a key, so it is not asked.
        if (clientId is not null && !ClientIds.IsWellFormed(clientId))
        {
            return new AuditPage([], null);
        }

        var found = await store.ListAuditAsync(admin.TenantId, clientId, after, page.PageSize + 1, cancellationToken);
        var items = found.Take(page.PageSize).ToList();
        string? next = found.Count > page.PageSize ? continuations.Protect(items[^1].RowKey, admin.TenantId, scope) : null;
        return new AuditPage(items.Select(item => item.Event).ToList(), next);
    }
}
