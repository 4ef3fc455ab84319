using System.Collections.Concurrent;
using BlueTokens.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;

namespace BlueTokens.IntegrationTests.SecretScanning;

/// <summary>A report's outcome is logged as counts, and a refusal with its reason; no line holds a token or any part of one.</summary>
[Collection(StackTests.Name)]
public sealed class ReportLogTests(StackFixture stack)
{
    [Fact]
    public async Task Reports_LogTheirCountsAndRefusals_AndNoToken()
    {
        using var key = new SigningKey();
        await using KeyServer keys = await KeyServer.StartAsync(key);
        var lines = new ConcurrentQueue<string>();
        await using var baseHost = new LocalHostFactory(stack, new Dictionary<string, string?> { ["SecretScanning:KeysUrl"] = keys.Url });
        await using WebApplicationFactory<BlueTokens.LocalHost.LocalHostEntryPoint> host = baseHost.WithWebHostBuilder(builder =>
            builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(new CapturingLoggerProvider(lines))));
        var admin = new AdminApi(host.CreateClient(), $"tenant-{Guid.NewGuid():N}");
        AdminApi.Created client = await admin.CreateAsync("BI");
        string stranger = TokenKit.NewWellFormed();
        var reporter = new Reporter(host.CreateClient());

        (await reporter.ReportAsync(Reporter.Body(client.Token, stranger, "ghp_notours"), key)).EnsureSuccessStatusCode();
        using var unknown = new SigningKey();
        await (await reporter.ReportAsync(Reporter.Body(client.Token), unknown)).AssertProblemAsync(401, "invalid_signature");
        byte[] body = Reporter.Body(client.Token);
        await (await reporter.SendAsync(body, new Dictionary<string, string> { [Reporter.IdentifierHeader] = key.Identifier, [Reporter.SignatureHeader] = unknown.Sign(body) }))
            .AssertProblemAsync(401, "invalid_signature");

        Assert.Contains(lines, line => line.Contains("Secret scanning report: 3 strings, 1 tokens of ours (1 revoked by this report), 2 false positives", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains($"client {client.Id} of tenant {admin.Tenant}", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("refused: unknown key identifier", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("refused: the signature does not match the body", StringComparison.Ordinal));
        foreach (string secret in new[] { client.Token, stranger })
        {
            string secretPart = secret[12..];
            foreach (string line in lines)
            {
                for (int i = 0; i + 12 <= secretPart.Length; i += 6)
                {
                    Assert.DoesNotContain(secretPart.Substring(i, 12), line, StringComparison.Ordinal);
                }
            }
        }

        Assert.DoesNotContain(lines, line => line.Contains("ghp_notours", StringComparison.Ordinal) || line.Contains(unknown.Identifier, StringComparison.Ordinal));
    }
}
