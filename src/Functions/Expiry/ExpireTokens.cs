using BlueTokens.Core.Caching;
using BlueTokens.Core.Events;
using BlueTokens.Core.Expiry;
using BlueTokens.Core.Tokens;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlueTokens.Functions.Expiry;

/// <summary>
/// The expiry timer (<c>Expiry__Schedule</c>, every 5 minutes by default): due warnings and expiries, grace
/// ends, then the two things other instances may have left behind, pending cache writes and unsent events, and
/// a batch of the key rotation's rewrap (nothing once no token is left under an older key), and last the usage rows
/// past their retention. Safe to fire late (it catches up from its checkpoint), twice at once, or to stop halfway.
/// </summary>
internal sealed partial class ExpireTokens(
    ExpiryService expiry,
    CacheSync cache,
    LifecycleEvents events,
    KeyRewrap rewrap,
    UsageRetention usage,
    IOptions<ExpiryOptions> options,
    ILogger<ExpireTokens> logger)
{
    [Function(nameof(ExpireTokens))]
    public async Task RunAsync([TimerTrigger("%Expiry__Schedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        if (timer.IsPastDue)
        {
            LogPastDue(logger);
        }

        await expiry.RunAsync(cancellationToken);
        await cache.ReplayAsync(cancellationToken);
        await events.DrainAsync(cancellationToken);
        await rewrap.RunAsync(options.Value.BatchSize, cancellationToken);
        await usage.RunAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "ExpireTokens is running late; it catches up from its checkpoint")]
    private static partial void LogPastDue(ILogger logger);
}
