namespace BlueTokens.IntegrationTests.Infrastructure;

/// <summary>
/// One LocalHost per test class over the shared Azurite and Redis. Each test gets a fresh tenant, so tests are
/// isolated by the data model itself (one partition per tenant) and need no clean-up.
/// </summary>
public abstract class ApiTestBase(StackFixture stack, IReadOnlyDictionary<string, string?>? settings = null) : IAsyncLifetime
{
    private LocalHostFactory? _host;

    protected StackFixture Stack => stack;

    protected LocalHostFactory Host => _host ?? throw new InvalidOperationException("Not initialised.");

    public Task InitializeAsync()
    {
        _host = new LocalHostFactory(stack, settings);
        _ = _host.Server;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    /// <summary>An administrator of a tenant no other test uses.</summary>
    protected AdminApi NewTenant(string subject = "admin@test") =>
        new(Host.CreateClient(), $"tenant-{Guid.NewGuid():N}", subject);

    /// <summary>This class's host with a clock the test moves (<see cref="ClockedHost"/>), started at once.</summary>
    protected ClockedHost HostWithClock() => ClockedHost.Over(Host);

    protected AdminApi SameTenant(AdminApi other, string subject = "other-admin@test") =>
        new(Host.CreateClient(), other.Tenant, subject);
}
