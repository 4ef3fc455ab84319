using BlueTokens.Functions;
using Cronos;
using Microsoft.Azure.Functions.Worker;

namespace BlueTokens.LocalHost;

/// <summary>
/// Runs timer functions on their NCRONTAB schedules (six fields with seconds, as the Functions host reads them,
/// or five), and on demand for <c>POST /admin/functions/{name}</c>.
/// </summary>
internal sealed partial class TimerFunctionRunner(
    FunctionCatalog catalog,
    IServiceScopeFactory scopes,
    IConfiguration configuration,
    TimeProvider time,
    ILogger<TimerFunctionRunner> logger) : BackgroundService
{
    /// <summary>Set <c>LocalHost__DisableTimers=true</c> to run timers only on demand (tests do).</summary>
    public const string DisableSetting = "LocalHost:DisableTimers";

    public async Task RunAsync(TimerFunction function, bool isPastDue, CancellationToken cancellationToken)
    {
        await using AsyncServiceScope scope = scopes.CreateAsyncScope();
        var timer = new TimerInfo { IsPastDue = isPastDue };
        LogRunning(logger, function.Name, isPastDue);
        try
        {
            await FunctionInvoker.InvokeTimerAsync(function, scope.ServiceProvider, timer, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            LogFailed(logger, e, function.Name);
        }
    }

    public CronExpression ScheduleOf(TimerFunction function)
    {
        string schedule = ResolveSetting(function.Schedule);
        int fields = schedule.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        return CronExpression.Parse(schedule, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (configuration.GetValue<bool>(DisableSetting))
        {
            return Task.CompletedTask;
        }

        return Task.WhenAll(catalog.Timers.Select(function => ScheduleAsync(function, stoppingToken)));
    }

    private async Task ScheduleAsync(TimerFunction function, CancellationToken stoppingToken)
    {
        CronExpression schedule = ScheduleOf(function);
        if (function.RunOnStartup)
        {
            await RunAsync(function, isPastDue: false, stoppingToken);
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            DateTimeOffset now = time.GetUtcNow();
            DateTimeOffset? next = schedule.GetNextOccurrence(now, TimeZoneInfo.Utc);
            if (next is null)
            {
                return;
            }

            try
            {
                await Task.Delay(next.Value - now, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            // Late by more than a second: the function is told, as the Functions host tells it with IsPastDue.
            bool isPastDue = time.GetUtcNow() - next.Value > TimeSpan.FromSeconds(1);
            await RunAsync(function, isPastDue, stoppingToken);
        }
    }

    /// <summary>Resolves <c>%Name__Part%</c> from configuration, as the Functions host resolves app settings.</summary>
    private string ResolveSetting(string schedule)
    {
        if (schedule.Length > 2 && schedule[0] == '%' && schedule[^1] == '%')
        {
            string name = schedule[1..^1];
            return configuration[name.Replace("__", ":", StringComparison.Ordinal)]
                ?? throw new InvalidOperationException($"Setting {name} (a timer schedule) is missing.");
        }

        return schedule;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Running timer function {FunctionName} (past due: {IsPastDue})")]
    private static partial void LogRunning(ILogger logger, string functionName, bool isPastDue);

    [LoggerMessage(Level = LogLevel.Error, Message = "Timer function {FunctionName} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string functionName);
}
