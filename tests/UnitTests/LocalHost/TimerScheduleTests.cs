using BlueTokens.Functions;
using BlueTokens.LocalHost;
using Cronos;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BlueTokens.UnitTests.LocalHost;

public sealed class TimerScheduleTests
{
    [Fact]
    public void ScheduleOf_ResolvesASettingAndReadsSixFieldNcrontabWithSeconds()
    {
        TimerFunctionRunner runner = CreateRunner(new() { ["Expiry:Schedule"] = "0 */5 * * * *" });
        TimerFunction function = new FunctionCatalog([typeof(ScheduledProbe)]).Timers.Single();

        CronExpression schedule = runner.ScheduleOf(function);

        var from = new DateTimeOffset(2026, 11, 28, 10, 2, 30, TimeSpan.Zero);
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 10, 5, 0, TimeSpan.Zero), schedule.GetNextOccurrence(from, TimeZoneInfo.Utc));
    }

    [Fact]
    public void ScheduleOf_NamesAMissingSetting()
    {
        TimerFunctionRunner runner = CreateRunner([]);
        TimerFunction function = new FunctionCatalog([typeof(ScheduledProbe)]).Timers.Single();

        var failure = Assert.Throws<InvalidOperationException>(() => runner.ScheduleOf(function));

        Assert.Contains("Expiry__Schedule", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Catalog_RefusesAFunctionThatTakesWhatLocalHostCannotGive()
    {
        var failure = Assert.Throws<NotSupportedException>(() => new FunctionCatalog([typeof(UnsupportedTriggers)]));
        Assert.Contains("StringBodyFunction", failure.Message, StringComparison.Ordinal);
    }

    private static TimerFunctionRunner CreateRunner(Dictionary<string, string?> settings)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new TimerFunctionRunner(
            new FunctionCatalog([typeof(ScheduledProbe)]),
            new ServiceCollection().BuildServiceProvider().GetRequiredService<IServiceScopeFactory>(),
            configuration,
            new FakeTimeProvider(),
            NullLogger<TimerFunctionRunner>.Instance);
    }
}

public sealed class ScheduledProbe
{
    [Function(nameof(ScheduledProbe))]
    public static Task RunAsync([TimerTrigger("%Expiry__Schedule%")] TimerInfo timer) => Task.CompletedTask;
}

public sealed class UnsupportedTriggers
{
    [Function("StringBodyFunction")]
    public static Task RunAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post")] string body) => Task.CompletedTask;
}
