using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace BlueTokens.Core.Configuration;

/// <summary>
/// Starts a singleton background service only when the host starts it, not when the host collects its hosted
/// services: by then start-up validation has run, so a bad setting is reported with every other bad setting,
/// by name, rather than as whichever one the service's constructor happened to touch first.
/// </summary>
internal sealed class DeferredHostedService<TService>(IServiceProvider services) : IHostedService
    where TService : class, IHostedService
{
    private TService? _service;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _service = services.GetRequiredService<TService>();
        return _service.StartAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) =>
        _service?.StopAsync(cancellationToken) ?? Task.CompletedTask;
}
