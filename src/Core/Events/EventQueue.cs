using Azure.Storage.Queues;
using BlueTokens.Core.Storage;
using Microsoft.Extensions.Options;

namespace BlueTokens.Core.Events;

/// <summary>
/// The Storage queue the platform reads. Messages are base64-encoded JSON, the encoding an Azure Functions queue
/// trigger expects by default, so a consumer can be a queue-triggered function with no settings.
/// </summary>
internal sealed class EventQueue(QueueServiceClient service, IOptions<EventOptions> options)
{
    private readonly QueueClient _queue = service.GetQueueClient(options.Value.QueueName);
    private readonly CreateOnce _created = new();

    public async Task SendAsync(string body, CancellationToken cancellationToken = default)
    {
        await _created.EnsureAsync(_queue, static (queue, token) => queue.CreateIfNotExistsAsync(cancellationToken: token), cancellationToken);
        await _queue.SendMessageAsync(body, cancellationToken);
    }
}
