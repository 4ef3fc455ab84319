using BlueTokens.Core.Storage;
using BlueTokens.Core.Usage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlueTokens.Core.Expiry;

/// <summary>
/// Removes usage rows once their day is past the retention (the 90 UTC days ending today are kept), for the expiry
/// timer: it reads the day index by range, so a run costs in proportion to the rows that are due, at most
/// Expiry__BatchSize of them. Rows go before their index entries, so a run stopped halfway is finished by the next.
/// </summary>
internal sealed partial class UsageRetention(UsageStore store, IOptions<ExpiryOptions> options, TimeProvider time, ILogger<UsageRetention> logger)
{
    /// <summary>Returns how many rows were removed (0 where storage failed: the next run tries again).</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        DateOnly firstKept = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime).AddDays(1 - UsageService.RetentionDays);
        try
        {
            IReadOnlyList<UsageRowId> due = await store.DueAsync(firstKept, options.Value.BatchSize, cancellationToken);
            if (due.Count > 0)
            {
                await store.RemoveAsync(due, cancellationToken);
                LogRemoved(logger, due.Count, firstKept);
            }

            return due.Count;
        }
        catch (Azure.RequestFailedException e)
        {
            LogFailed(logger, e.Status);
            return 0;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Usage retention: {Count} rows of days before {FirstKept} removed")]
    private static partial void LogRemoved(ILogger logger, int count, DateOnly firstKept);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Usage retention failed (status {Status}); the next run tries again")]
    private static partial void LogFailed(ILogger logger, int status);
}
