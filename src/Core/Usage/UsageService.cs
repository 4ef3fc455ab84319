using BlueTokens.Core.Auth;
using BlueTokens.Core.Clients;
using BlueTokens.Core.Storage;

namespace BlueTokens.Core.Usage;

/// <summary>One UTC day of a client's validations: answered valid, and refused (disabled, expired, network_not_allowed).</summary>
internal sealed record UsageDay(DateOnly Date, long Valid, long Refused);

/// <summary>
/// Reads a client's usage for an administrator: the client's row (another tenant's client is answered as a missing
/// one), then one range query of its usage rows, summed per day over the instances that counted them and zero-filled.
/// </summary>
internal sealed class UsageService(ClientChanges clients, UsageStore store, TimeProvider time)
{
    /// <summary>How many days of usage are kept, and the most a read may ask for.</summary>
    public const int RetentionDays = 90;

    public const int DefaultDays = 30;

    /// <summary>The <paramref name="days"/> (1 to 90) UTC days ending today, oldest first.</summary>
    public async Task<Outcome<IReadOnlyList<UsageDay>>> GetAsync(Admin admin, string clientId, int days, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(days, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(days, RetentionDays);
        if (await clients.ReadAsync(admin.TenantId, clientId, cancellationToken) is null)
        {
            return Failure.NotFound(clientId);
        }

        DateOnly today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        DateOnly first = today.AddDays(1 - days);
        var valid = new long[days];
        var refused = new long[days];
        foreach (UsageRow row in await store.ReadAsync(admin.TenantId, clientId, first, today, cancellationToken))
        {
            int index = row.Day.DayNumber - first.DayNumber;
            if (index >= 0 && index < days)
            {
                valid[index] += row.Valid;
                refused[index] += row.Refused;
            }
        }

        return Enumerable.Range(0, days).Select(i => new UsageDay(first.AddDays(i), valid[i], refused[i])).ToList();
    }
}
