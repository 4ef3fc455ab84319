using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json;
using BlueTokens.Core.Validation;
using BlueTokens.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BlueTokens.IntegrationTests.Observability;

/// <summary>
/// Every log line of a whole workflow, at the most verbose level, with every exception: no access token (nor a
/// recognisable part of one), no admin JWT, no encryption key and no storage key may appear. And the validate
/// outcome metric counts each answer by outcome and source.
/// </summary>
[Collection(StackTests.Name)]
public sealed class LogSecrecyTests(StackFixture stack)
{
    [Fact]
    public async Task FullWorkflow_LogsNoTokenNoJwtAndNoKey()
    {
        var lines = new ConcurrentQueue<string>();
        await using var baseHost = new LocalHostFactory(stack);
        await using WebApplicationFactory<BlueTokens.LocalHost.LocalHostEntryPoint> host = baseHost.WithWebHostBuilder(builder =>
            builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(new CapturingLoggerProvider(lines))));
        var admin = new AdminApi(host.CreateClient(), $"tenant-{Guid.NewGuid():N}");
        var connector = new Connector(host.CreateClient());
        var secrets = new List<string> { LocalHostFactory.SigningKey, LocalHostFactory.EncryptionKey, "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq" };

        AdminApi.Created bi = await admin.CreateAsync("BI", "analyst");
        secrets.Add(bi.Token);
        secrets.Add(TestJwt.Admin(admin.Tenant, admin.Subject)[..40]); // the JWT's header and start of payload
        await connector.ValidateAsync(bi.Token);
        await connector.ValidateAsync(bi.Token[..^1] + (bi.Token[^1] == 'A' ? 'B' : 'A')); // bad checksum
        await connector.ValidateAsync("blue_" + new string('x', 38));
        (await admin.SendAsync(HttpMethod.Get, $"/api/clients/{bi.Id}/token")).EnsureSuccessStatusCode();
        (await admin.PostAsync($"/api/clients/{bi.Id}/disable")).EnsureSuccessStatusCode();
        await connector.ValidateAsync(bi.Token);
        (await admin.PostAsync($"/api/clients/{bi.Id}/enable")).EnsureSuccessStatusCode();
        using HttpResponseMessage rotated = await admin.PostAsync($"/api/clients/{bi.Id}/token/regenerate", new { gracePeriodMinutes = 5 });
        secrets.Add(JsonDocument.Parse(await rotated.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!);
        await connector.ValidateAsync(secrets[^1]);
        await admin.SendAsync(HttpMethod.Get, "/api/clients", bearer: TestJwt.Unsigned(admin.Tenant)); // refused JWT
        (await admin.SendAsync(HttpMethod.Delete, $"/api/clients/{bi.Id}")).EnsureSuccessStatusCode();
        await connector.ValidateAsync(bi.Token);
        await host.Services.GetRequiredService<LastUseRecorder>().FlushAsync();

        Assert.NotEmpty(lines);
        foreach (string secret in secrets)
        {
            // The whole secret, and any 12-character piece of its secret part (past a token's displayable prefix).
            string secretPart = secret.StartsWith("blue_", StringComparison.Ordinal) ? secret[12..] : secret;
            foreach (string line in lines)
            {
                Assert.DoesNotContain(secret, line, StringComparison.Ordinal);
                for (int i = 0; i + 12 <= secretPart.Length; i += 6)
                {
                    Assert.DoesNotContain(secretPart.Substring(i, 12), line, StringComparison.Ordinal);
                }
            }
        }
    }

    [Fact]
    public async Task ValidateOutcomeMetric_CountsEachAnswerByOutcomeAndSource()
    {
        var measurements = new ConcurrentQueue<(string Outcome, string Source)>();
        await using var host = new LocalHostFactory(stack, LocalHostFactory.NoLocalAnswers); // each answer from Redis or the table, by name
        var admin = new AdminApi(host.CreateClient(), $"tenant-{Guid.NewGuid():N}");
        var connector = new Connector(host.CreateClient());
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ValidationMetrics.MeterName && instrument.Name == "blue.validate.outcomes")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            KeyValuePair<string, object?>[] all = tags.ToArray();
            measurements.Enqueue((
                all.Single(tag => tag.Key == "outcome").Value!.ToString()!,
                all.Single(tag => tag.Key == "source").Value!.ToString()!));
        });
        listener.Start();

        AdminApi.Created bi = await admin.CreateAsync("BI");
        await connector.ValidateAsync(bi.Token); // published at create: a hit
        await using (RedisProbe redis = await RedisProbe.ConnectAsync(stack.RedisConnectionString))
        {
            await redis.DeleteAsync(RedisProbe.TokenKey(bi.Token));
        }

        await connector.ValidateAsync(bi.Token); // a miss, from the table
        await connector.ValidateAsync("nope"); // junk
        (await admin.PostAsync($"/api/clients/{bi.Id}/disable")).EnsureSuccessStatusCode();
        await connector.ValidateAsync(bi.Token);

        Assert.Equal(
            [("valid", "cache_hit"), ("valid", "cache_miss"), ("invalid_token", "none"), ("disabled", "cache_hit")],
            measurements.ToArray());
    }
}
