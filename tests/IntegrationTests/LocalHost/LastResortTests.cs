using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using BlueTokens.IntegrationTests.Infrastructure;
using BlueTokens.LocalHost;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;

namespace BlueTokens.IntegrationTests.LocalHost;

/// <summary>
/// LocalHost's last line, as the worker's: an exception an HTTP function did not handle is answered with the
/// generic 500 <c>internal_error</c> problem, never with its message, and is logged once.
/// </summary>
[Collection(StackTests.Name)]
public sealed class LastResortTests(StackFixture stack)
{
    [Theory]
    [InlineData("sync")]
    [InlineData("async")]
    public async Task UnhandledException_Returns500InternalError_WithoutItsMessage_AndIsLoggedOnce(string mode)
    {
        var entries = new ConcurrentQueue<LogEntry>();
        await using var baseHost = new LocalHostFactory(stack, null, typeof(ProbeThrows).Assembly);
        await using WebApplicationFactory<LocalHostEntryPoint> host = baseHost.WithWebHostBuilder(builder =>
            builder.ConfigureLogging(logging => logging.AddProvider(new CapturingProvider(entries))));
        using HttpClient client = host.CreateClient();

        using HttpResponseMessage response = await client.GetAsync($"/api/probe/throws/{mode}");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        string body = await response.Content.ReadAsStringAsync();
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
        JsonElement problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal("internal_error", problem.GetProperty("code").GetString());
        Assert.Equal("urn:blue:token-api:problem:internal_error", problem.GetProperty("type").GetString());
        Assert.Equal(500, problem.GetProperty("status").GetInt32());
        Assert.DoesNotContain(ProbeThrows.Secret, body, StringComparison.Ordinal);
        Assert.DoesNotContain(nameof(InvalidOperationException), body, StringComparison.Ordinal);

        LogEntry logged = Assert.Single(entries, entry => entry.Exception is not null);
        Assert.Equal(LogLevel.Error, logged.Level);
        Assert.Equal("Function ProbeThrows failed", logged.Message);
        Assert.Contains(ProbeThrows.Secret, logged.Exception!.Message, StringComparison.Ordinal);
    }

    private sealed record LogEntry(LogLevel Level, string Message, Exception? Exception);

    private sealed class CapturingProvider(ConcurrentQueue<LogEntry> entries) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Capturing(entries);

        public void Dispose()
        {
        }

        private sealed class Capturing(ConcurrentQueue<LogEntry> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue(new LogEntry(logLevel, formatter(state, exception), exception));
        }
    }
}
