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

    private readonly SemaphoreSlim _wake = new(0);
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
        while (true)
        {
            IReadOnlyList<(string RowKey, string Body)> pending = await outbox.ReadAsync(Batch, cancellationToken);
            for (int sent = 0; sent < pending.Count; sent++)
            {
                try
                {
                    await queue.SendAsync(pending[sent].Body, cancellationToken);
                }
                catch (Exception e) when (e is RequestFailedException or IOException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    LogSendFailed(logger, e.GetType().Name);
                    _mayHavePending = true;
                    return pending.Count - sent;
                }

                await outbox.RemoveAsync(pending[sent].RowKey, cancellationToken);
            }

            if (pending.Count < Batch)
            {
                _mayHavePending = false;
                return 0;
            }
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

                await _wake.WaitAsync(RetryInterval, stoppingToken);
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
