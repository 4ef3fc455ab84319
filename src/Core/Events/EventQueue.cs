using Azure.Storage.Queues;
using Microsoft.Extensions.Options;

namespace BlueTokens.Core.Events;

/// <summary>
/// The Storage queue the platform reads. Messages are base64-encoded JSON, the encoding an Azure Functions queue
/// trigger expects by default, so a consumer can be a queue-triggered function with no settings.
/// </summary>
internal class EventQueue(QueueServiceClient service, IOptions<EventOptions> options)
{
    private readonly QueueClient _queue = service.GetQueueClient(options.Value.QueueName);
    private Task? _ready;

    public virtual async Task SendAsync(string body, CancellationToken cancellationToken = default)
    {
        Task? ready = _ready;
        if (ready is not { IsCompletedSuccessfully: true })
        {
            ready = _queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            _ready = ready;
        }

        await ready;
        await _queue.SendMessageAsync(body, cancellationToken);
    }
}
