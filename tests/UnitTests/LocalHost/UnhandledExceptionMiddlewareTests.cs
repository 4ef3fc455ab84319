using System.Collections.Immutable;
using System.Text;
using BlueTokens.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Moq;

namespace BlueTokens.UnitTests.LocalHost;

/// <summary>
/// The worker's side of the last resort that LocalHost shares (tests/IntegrationTests/LocalHost/LastResortTests
/// proves LocalHost's): an HTTP function's unhandled exception becomes its invocation result, the generic 500
/// problem, logged once; any other function's is logged and rethrown to the host.
/// </summary>
public sealed class UnhandledExceptionMiddlewareTests
{
    private const string Secret = "worker-internal-detail-9d2b";

    private readonly CapturingLogger _logger = new();

    [Fact]
    public async Task HttpFunction_UnhandledException_BecomesThe500InternalErrorProblem_LoggedOnce()
    {
        FakeInvocation invocation = FakeInvocation.Of("httpTrigger");

        await new UnhandledExceptionMiddleware(_logger).Invoke(invocation.Context, _ => throw new InvalidOperationException(Secret));

        ApiProblem problem = Assert.IsType<ApiProblem>(invocation.Result);
        Assert.Equal(StatusCodes.Status500InternalServerError, problem.StatusCode);
        Assert.Equal("internal_error", problem.Value.Code);
        var http = new DefaultHttpContext { Response = { Body = new MemoryStream() } };
        await problem.ExecuteAsync(http);
        string body = Encoding.UTF8.GetString(((MemoryStream)http.Response.Body).ToArray());
        Assert.Equal(500, http.Response.StatusCode);
        Assert.Contains("\"code\":\"internal_error\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, body, StringComparison.Ordinal);
        (LogLevel level, string message, Exception? exception) = Assert.Single(_logger.Entries);
        Assert.Equal(LogLevel.Error, level);
        Assert.Equal("Function Probe failed", message);
        Assert.Equal(Secret, exception?.Message);
    }

    [Fact]
    public async Task NonHttpFunction_UnhandledException_IsLoggedOnceAndRethrown()
    {
        FakeInvocation invocation = FakeInvocation.Of("timerTrigger");

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            new UnhandledExceptionMiddleware(_logger).Invoke(invocation.Context, _ => throw new InvalidOperationException(Secret)));

        Assert.Equal(Secret, thrown.Message);
        Assert.Null(invocation.Result);
        (LogLevel level, _, Exception? exception) = Assert.Single(_logger.Entries);
        Assert.Equal(LogLevel.Error, level);
        Assert.Same(thrown, exception);
    }

    [Fact]
    public async Task CancelledInvocation_IsRethrownUnlogged()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        FakeInvocation invocation = FakeInvocation.Of("httpTrigger", cancelled.Token);

        await Assert.ThrowsAsync<OperationCanceledException>(() =>
            new UnhandledExceptionMiddleware(_logger).Invoke(invocation.Context, _ => throw new OperationCanceledException()));

        Assert.Null(invocation.Result);
        Assert.Empty(_logger.Entries);
    }

    [Fact]
    public async Task HttpFunction_ThatSucceeds_KeepsItsResult()
    {
        FakeInvocation invocation = FakeInvocation.Of("httpTrigger");
        ApiProblem answer = Problems.NotFound("Not here.");

        await new UnhandledExceptionMiddleware(_logger).Invoke(invocation.Context, context =>
        {
            context.GetInvocationResult().Value = answer;
            return Task.CompletedTask;
        });

        Assert.Same(answer, invocation.Result);
        Assert.Empty(_logger.Entries);
    }

    /// <summary>
    /// A FunctionContext with one input binding of the given type. The invocation result lives in the worker's
    /// bindings feature, an internal interface (Worker.Core lets Moq's proxies implement it), found by name.
    /// </summary>
    private sealed class FakeInvocation
    {
        private static readonly Type BindingsFeature = typeof(FunctionContext).Assembly.GetType(
            "Microsoft.Azure.Functions.Worker.Context.Features.IFunctionBindingsFeature", throwOnError: true)!;

        private readonly Mock _bindings;

        private FakeInvocation(FunctionContext context, Mock bindings)
        {
            Context = context;
            _bindings = bindings;
        }

        public FunctionContext Context { get; }

        public object? Result => BindingsFeature.GetProperty("InvocationResult")!.GetValue(_bindings.Object);

        public static FakeInvocation Of(string triggerType, CancellationToken cancellationToken = default)
        {
            var trigger = new Mock<BindingMetadata>();
            trigger.Setup(binding => binding.Type).Returns(triggerType);
            var definition = new Mock<FunctionDefinition>();
            definition.Setup(function => function.Name).Returns("Probe");
            definition.Setup(function => function.InputBindings)
                .Returns(ImmutableDictionary<string, BindingMetadata>.Empty.Add("trigger", trigger.Object));

            var bindings = (Mock)Activator.CreateInstance(typeof(Mock<>).MakeGenericType(BindingsFeature))!;
            bindings.GetType().GetMethod(nameof(Mock<object>.SetupAllProperties))!.Invoke(bindings, null);
            var features = new Features { [BindingsFeature] = bindings.Object };

            var context = new Mock<FunctionContext>();
            context.Setup(invocation => invocation.FunctionDefinition).Returns(definition.Object);
            context.Setup(invocation => invocation.Features).Returns(features);
            context.Setup(invocation => invocation.CancellationToken).Returns(cancellationToken);
            return new FakeInvocation(context.Object, bindings);
        }
    }

    private sealed class Features : Dictionary<Type, object>, IInvocationFeatures
    {
        public T? Get<T>() => TryGetValue(typeof(T), out object? feature) ? (T)feature : default;

        public void Set<T>(T instance) => this[typeof(T)] = instance!;
    }

    private sealed class CapturingLogger : ILogger<UnhandledExceptionMiddleware>
    {
        public List<(LogLevel Level, string Message, Exception? Exception)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, formatter(state, exception), exception));
    }
}
