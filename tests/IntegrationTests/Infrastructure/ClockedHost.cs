using BlueTokens.LocalHost;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BlueTokens.IntegrationTests.Infrastructure;

/// <summary>
/// The one way the tests move time. The host's <see cref="TimeProvider"/> is a <see cref="FakeTimeProvider"/>
/// that starts at the wall clock's now, and a test moves it forward with <c>Clock.Advance</c>: to let a token
/// expire, a grace period end or a timestamp move on, and never by waiting on the wall clock or by writing an
/// instant into storage. The admin JWTs of <see cref="NewTenant"/> are minted at the host's now. (Unit tests do
/// the same with a FakeTimeProvider of their own.) Only clocks the service does not own are waited for in real
/// time: a Redis key's TTL (the failure budget's window) and the Redis server's view of a sign-in token's life.
/// </summary>
public sealed class ClockedHost
{
    private ClockedHost(WebApplicationFactory<LocalHostEntryPoint> factory, FakeTimeProvider clock)
    {
        Factory = factory;
        Clock = clock;
    }

    public FakeTimeProvider Clock { get; }

    /// <summary>The started host; disposed with the host it was made from.</summary>
    public WebApplicationFactory<LocalHostEntryPoint> Factory { get; }

    /// <summary>
    /// <paramref name="host"/> reading <paramref name="clock"/> (a new one at now where none is given; two hosts
    /// given one clock are two instances of a deployment), with the test's own <paramref name="services"/>.
    /// </summary>
    public static ClockedHost Over(WebApplicationFactory<LocalHostEntryPoint> host, FakeTimeProvider? clock = null, Action<IServiceCollection>? services = null)
    {
        FakeTimeProvider time = clock ?? new FakeTimeProvider(DateTimeOffset.UtcNow);
        WebApplicationFactory<LocalHostEntryPoint> factory = host.WithWebHostBuilder(builder => builder.ConfigureTestServices(collection =>
        {
            collection.AddSingleton<TimeProvider>(time);
            services?.Invoke(collection);
        }));
        _ = factory.Server;
        return new ClockedHost(factory, time);
    }

    /// <summary>An administrator of a tenant no other test uses, whose JWTs are valid at the host's now.</summary>
    public AdminApi NewTenant(string subject = "admin@test") => new(Factory.CreateClient(), $"tenant-{Guid.NewGuid():N}", subject, Clock);

    public Connector NewConnector() => new(Factory.CreateClient());
}
