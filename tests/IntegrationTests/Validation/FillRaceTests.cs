using BlueTokens.Core.Validation;
using BlueTokens.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace BlueTokens.IntegrationTests.Validation;

/// <summary>
/// The cache-aside race: a validate reads the table before a revocation and fills the cache after it. The fill
/// must never revive the token. First held on purpose at the seam between read and fill, then at random.
/// </summary>
[Collection(StackTests.Name)]
public sealed class FillRaceTests(StackFixture stack) : IAsyncLifetime
{
    private readonly FillGate _gate = new();
    private LocalHostFactory _admins = null!;
    private LocalHostFactory _baseValidators = null!;
    private WebApplicationFactory<BlueTokens.LocalHost.LocalHostEntryPoint> _validators = null!;
    private RedisProbe _redis = null!;

    public async Task InitializeAsync()
    {
        _admins = new LocalHostFactory(stack);
        _baseValidators = new LocalHostFactory(stack);
        _validators = _baseValidators.WithWebHostBuilder(builder =>
            builder.ConfigureTestServices(services => services.AddSingleton<IValidationObserver>(_gate)));
        _redis = await RedisProbe.ConnectAsync(stack.RedisConnectionString);
    }

    public async Task DisposeAsync()
    {
        _gate.ReleaseAll();
        await _validators.DisposeAsync();
        await _baseValidators.DisposeAsync();
        await _admins.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Theory]
    [InlineData("disable", "disabled", false, false)]
    [InlineData("delete", "invalid_token", false, false)]
    [InlineData("regenerate", "invalid_token", false, false)]
    [InlineData("disable", "disabled", true, false)] // and Redis is flushed after the revocation reached it
    [InlineData("delete", "invalid_token", true, false)]
    [InlineData("disable", "disabled", true, true)] // and also emptied before the validate read: no generation yet
    [InlineData("delete", "invalid_token", true, true)]
    public async Task HeldFill_ThatReadBeforeARevocation_DoesNotReviveTheToken(string revocation, string expected, bool flushAfterRevoke, bool flushBeforeRead)
    {
        var admin = new AdminApi(_admins.CreateClient(), $"tenant-{Guid.NewGuid():N}");
        AdminApi.Created client = await admin.CreateAsync("BI");
        var connector = new Connector(_validators.CreateClient());
        await _redis.DeleteAsync(RedisProbe.TokenKey(client.Token)); // force the next validate to miss
        if (flushBeforeRead)
        {
            await _redis.FlushAllAsync(); // the validate finds no generation: it must start one, not present none
        }

        Task held = _gate.HoldNextAsync(RedisProbe.TokenHash(client.Token));
        Task<Connector.Answer> racing = connector.ValidateAsync(client.Token);
        await held.WaitAsync(TimeSpan.FromSeconds(10)); // the validate has read the table: active

        using HttpResponseMessage revoked = revocation switch
        {
            "disable" => await admin.PostAsync($"/api/clients/{client.Id}/disable"),
            "delete" => await admin.SendAsync(HttpMethod.Delete, $"/api/clients/{client.Id}"),
            _ => await admin.PostAsync($"/api/clients/{client.Id}/token/regenerate"),
        };
        revoked.EnsureSuccessStatusCode();
        if (flushAfterRevoke)
        {
            await _redis.FlushAllAsync(); // the revocation marker is gone: only the generation fence stops the fill
        }

        _gate.ReleaseAll(); // now the stale fill goes to Redis

        Assert.Equal("valid", (await racing).Outcome); // it began before the revocation: a valid answer is right
        Assert.Equal(expected, (await connector.ValidateAsync(client.Token)).Outcome);
        Assert.Equal(expected, (await new Connector(_admins.CreateClient()).ValidateAsync(client.Token)).Outcome);
    }

    [Fact]
    public async Task RandomisedRace_NoStaleAnswerAfterAnyChangeHasReturned()
    {
        var admin = new AdminApi(_admins.CreateClient(), $"tenant-{Guid.NewGuid():N}");
        AdminApi.Created created = await admin.CreateAsync("BI");
        string token = created.Token;
        var connectors = new[] { new Connector(_validators.CreateClient()), new Connector(_admins.CreateClient()) };
        var random = new Random(20261128);
        using var stop = new CancellationTokenSource();
        string current = token;

        // Background pressure: validates on both hosts and Redis flushes (a restart or FLUSHALL at any moment), so
        // that fills race every change, with and without the revocation marker still in Redis.
        Task pressure = Task.WhenAll(Enumerable.Range(0, 3).Select(worker => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await connectors[worker % 2].ValidateAsync(Volatile.Read(ref current));
                if (worker == 2)
                {
                    await _redis.FlushAllAsync();
                    await Task.Delay(5);
                }
            }
        })));

        var stale = new List<string>();
        bool disabled = false;
        const int Iterations = 1000;
        for (int i = 0; i < Iterations; i++)
        {
            string before = current;
            string action = (random.Next(3), disabled) switch
            {
                (0, false) => "disable",
                (0, true) => "enable",
                (1, _) => "regenerate",
                _ => disabled ? "enable" : "disable",
            };
            using HttpResponseMessage response = action == "regenerate"
                ? await admin.PostAsync($"/api/clients/{created.Id}/token/regenerate")
                : await admin.PostAsync($"/api/clients/{created.Id}/{action}");
            response.EnsureSuccessStatusCode();
            if (action == "regenerate")
            {
                Volatile.Write(ref current, System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!);
            }
            else
            {
                disabled = action == "disable";
            }

            // After the change returned: every host, the current token and the replaced one.
            foreach (Connector connector in connectors)
            {
                string expectCurrent = disabled ? "disabled" : "valid";
                string gotCurrent = (await connector.ValidateAsync(current)).Outcome;
                if (gotCurrent != expectCurrent)
                {
                    stale.Add($"#{i} after {action}: current token {gotCurrent}, expected {expectCurrent}");
                }

                if (before != current && (await connector.ValidateAsync(before)).Outcome is var old && old != "invalid_token")
                {
                    stale.Add($"#{i} after {action}: replaced token {old}, expected invalid_token");
                }
            }
        }

        await stop.CancelAsync();
        await pressure;
        Assert.Empty(stale);
    }
}
