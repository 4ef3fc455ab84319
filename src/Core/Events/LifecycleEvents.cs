using Azure;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BlueTokens.Core.Events;

/// <summary>
/// Publishes lifecycle events without ever failing or holding up the change that caused them: the event goes to
/// the outbox table (one insert, right after the change commits) and a background sender moves it to the queue.
/// While the queue is unavailable events wait in the outbox; the sender retries, and the expiry timer drains it
/// too. Delivery is at least once.
/// </summary>
internal sealed partial class LifecycleEvents(EventOutbox outbox, EventQueue queue, TimeProvider time, ILogger<LifecycleEvents> logger) : BackgroundService
{
    private const int Batch = 100;
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan ClaimFor = TimeSpan.FromSeconds(15);

    private readonly SemaphoreSlim _wake = new(0);
    private readonly SemaphoreSlim _draining = new(1, 1);
    private volatile bool _mayHavePending = true;

    public async Task PublishAsync(string type, string tenantId, string clientId, string clientName, DateTimeOffset? expiresAt = null)
    {
        var lifecycleEvent = new LifecycleEvent(Guid.NewGuid().ToString("N"), type, time.GetUtcNow(), tenantId, clientId, clientName, expiresAt);
        try
        {
            await outbox.AddAsync(lifecycleEvent, CancellationToken.None);
            _mayHavePending = true;
            _wake.Release();
        }
        catch (RequestFailedException e)
        {
            // The change has committed; the admin must not see a failure for an event. Logged for the operator.
            LogOutboxFailed(logger, type, clientId, e.Status);
        }
    }

    /// <summary>Sends what the outbox holds, oldest first; returns how many events are still waiting (0 when drained).</summary>
    public async Task<int> DrainAsync(CancellationToken cancellationToken = default)
    {
        // One drain at a time in this instance (the timer's and the background sender's); claims keep instances apart.
        await _draining.WaitAsync(cancellationToken);
        try
        {
            while (true)
            {
                // Cleared before reading, so that an event published during this drain sets it again and is not missed.
                _mayHavePending = false;
                OutboxClaim claim = await outbox.ClaimAsync(Batch, time.GetUtcNow(), ClaimFor, cancellationToken);
                IReadOnlyList<(string RowKey, string Body)> pending = claim.Claimed;
                if (claim.HeldElsewhere > 0)
                {
                    _mayHavePending = true; // another sender holds some: look again once its claim may have lapsed
                }
                for (int sent = 0; sent < pending.Count; sent++)
                {
                    try
                    {
                        await queue.SendAsync(pending[sent].Body, cancellationToken);
                    }
                    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                    {
                        // Stopping: hand what this sender holds back at once rather than when its claims lapse.
                        await ReleaseQuietlyAsync(pending.Skip(sent).Select(p => p.RowKey));
                        throw;
                    }
                    catch (Exception e) when (e is RequestFailedException or IOException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                    {
                        LogSendFailed(logger, e.GetType().Name);
                        _mayHavePending = true;
                        await ReleaseQuietlyAsync(pending.Skip(sent).Select(p => p.RowKey));
                        return pending.Count - sent;
                    }

                    await outbox.RemoveAsync(pending[sent].RowKey, cancellationToken);
                }

                if (pending.Count + claim.HeldElsewhere < Batch)
                {
                    return claim.HeldElsewhere;
                }
            }
        }
        finally
        {
            _draining.Release();
        }
    }

    private async Task ReleaseQuietlyAsync(IEnumerable<string> rowKeys)
    {
        try
        {
            await outbox.ReleaseAsync(rowKeys, CancellationToken.None);
        }
        catch (RequestFailedException)
        {
            // The claims lapse by themselves.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (_mayHavePending)
                {
                    try
                    {
                        await DrainAsync(stoppingToken);
                    }
                    catch (Exception e) when (e is RequestFailedException or IOException or HttpRequestException)
                    {
                        LogSendFailed(logger, e.GetType().Name);
                    }
                }

                // A sweep now and then also sends what a stopped instance left behind.
                if (!await _wake.WaitAsync(_mayHavePending ? RetryInterval : SweepInterval, stoppingToken))
                {
                    _mayHavePending = true;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Event {Type} of client {ClientId} could not be written to the outbox (status {Status})")]
    private static partial void LogOutboxFailed(ILogger logger, string type, string clientId, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending events to the queue failed ({Error}); they wait in the outbox")]
    private static partial void LogSendFailed(ILogger logger, string error);
}
