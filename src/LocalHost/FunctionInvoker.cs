using System.Collections.Concurrent;
using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using BlueTokens.Functions;
using Microsoft.Azure.Functions.Worker;

namespace BlueTokens.LocalHost;

/// <summary>
/// Calls a function method as the worker would: a new instance of its class from the invocation's services,
/// and arguments from what both hosts can give (the request, route values, a timer's state, a cancellation token).
/// Everything reflection tells about a function (where each argument comes from, how to construct its class, how to
/// call it and read what its task returns) is worked out once per function, not per request, and a call that
/// completes at once allocates no task of its own: LocalHost's own cost should not blur what the functions cost
/// (bench/RESULTS.md).
/// </summary>
internal static class FunctionInvoker
{
    private const int MaxParameters = 8;

    private static readonly ConcurrentDictionary<MethodInfo, Plan> Plans = new();

    private enum Source
    {
        Request,
        Cancellation,
        Timer,
        Route,
    }

    public static ValueTask<object?> InvokeHttpAsync(HttpFunction function, HttpContext context) =>
        InvokeAsync(function, context.RequestServices, new Invocation(context, null, context.RequestAborted));

    public static ValueTask<object?> InvokeTimerAsync(TimerFunction function, IServiceProvider services, TimerInfo timer, CancellationToken cancellationToken) =>
        InvokeAsync(function, services, new Invocation(null, timer, cancellationToken));

    private static async ValueTask<object?> InvokeAsync(FunctionDescriptor function, IServiceProvider services, Invocation invocation)
    {
        Plan plan = Plans.GetOrAdd(function.Method, static (_, function) => Plan.Of(function), function);
        object? instance = plan.Create?.Invoke(services, null);
        try
        {
            // Exceptions from the method come as they are: a MethodInvoker does not wrap them.
            return await plan.Unwrap(Call(plan, instance, invocation));
        }
        finally
        {
            switch (instance)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync();
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
    }

    /// <summary>The method called with its arguments bound, on the stack (no argument array per call).</summary>
    private static object? Call(Plan plan, object? instance, in Invocation invocation)
    {
        Arguments storage = default;
        Span<object?> arguments = ((Span<object?>)storage)[..plan.Sources.Length];
        for (int i = 0; i < arguments.Length; i++)
        {
            arguments[i] = plan.Sources[i] switch
            {
                Source.Request => invocation.Http!.Request,
                Source.Cancellation => invocation.Cancellation,
                Source.Timer => invocation.Timer,
                _ => RouteValue(plan, i, invocation.Http!),
            };
        }

        return plan.Invoker.Invoke(instance, arguments);
    }

    private static object? RouteValue(Plan plan, int index, HttpContext context)
    {
        ParameterInfo parameter = plan.Parameters[index];
        if (parameter.Name is not { } name || !context.Request.RouteValues.TryGetValue(name, out object? value))
        {
            throw Unbindable(plan.Function, parameter);
        }

        return value is null || parameter.ParameterType.IsInstanceOfType(value)
            ? value
            : TypeDescriptor.GetConverter(parameter.ParameterType).ConvertFrom(null, CultureInfo.InvariantCulture, value);
    }

    private static NotSupportedException Unbindable(FunctionDescriptor function, ParameterInfo parameter) =>
        new($"Function {function.Name}: LocalHost cannot bind parameter '{parameter.Name}' of type {parameter.ParameterType.Name}. "
            + "Functions take only HttpRequest, route values, TimerInfo and CancellationToken, with services injected into the class.");

    // What a function's declared return type gives back, awaited where it is a task; none of them allocates when the
    // task has already completed.
    private static ValueTask<object?> AsIs(object? returned) => new(returned);

    private static async ValueTask<object?> FromTask(object? returned)
    {
        await (Task)returned!;
        return null;
    }

    private static async ValueTask<object?> FromTask<T>(object? returned) => await (Task<T>)returned!;

    private static async ValueTask<object?> FromValueTask(object? returned)
    {
        await (ValueTask)returned!;
        return null;
    }

    private static async ValueTask<object?> FromValueTask<T>(object? returned) => await (ValueTask<T>)returned!;

    private readonly record struct Invocation(HttpContext? Http, TimerInfo? Timer, CancellationToken Cancellation);

    [InlineArray(MaxParameters)]
    private struct Arguments
    {
        private object? _first;
    }

    /// <summary>What reflection says of one function, read once: where each argument comes from, how to make its class, call it and unwrap its result.</summary>
    private sealed class Plan(
        FunctionDescriptor function, ParameterInfo[] parameters, Source[] sources, ObjectFactory? create, MethodInvoker invoker, Func<object?, ValueTask<object?>> unwrap)
    {
        public FunctionDescriptor Function => function;

        public ParameterInfo[] Parameters => parameters;

        public Source[] Sources => sources;

        public ObjectFactory? Create => create;

        public MethodInvoker Invoker => invoker;

        public Func<object?, ValueTask<object?>> Unwrap => unwrap;

        public static Plan Of(FunctionDescriptor function)
        {
            MethodInfo method = function.Method;
            ParameterInfo[] parameters = method.GetParameters();
            if (parameters.Length > MaxParameters)
            {
                throw new NotSupportedException($"Function {function.Name}: LocalHost binds at most {MaxParameters} parameters.");
            }

            return new Plan(
                function,
                parameters,
                [.. parameters.Select(parameter => SourceOf(function, parameter))],
                method.IsStatic ? null : ActivatorUtilities.CreateFactory(function.DeclaringType, Type.EmptyTypes),
                MethodInvoker.Create(method),
                UnwrapperOf(method.ReturnType));
        }

        private static Source SourceOf(FunctionDescriptor function, ParameterInfo parameter) => function switch
        {
            HttpFunction http when parameter.Position == http.Trigger.Position => Source.Request,
            _ when parameter.ParameterType == typeof(CancellationToken) => Source.Cancellation,
            TimerFunction when parameter.ParameterType == typeof(TimerInfo) => Source.Timer,
            HttpFunction => Source.Route,
            _ => throw Unbindable(function, parameter),
        };

        private static Func<object?, ValueTask<object?>> UnwrapperOf(Type returns)
        {
            Type? generic = returns.IsGenericType ? returns.GetGenericTypeDefinition() : null;
            string? name = returns == typeof(Task) || generic == typeof(Task<>) ? nameof(FromTask)
                : returns == typeof(ValueTask) || generic == typeof(ValueTask<>) ? nameof(FromValueTask)
                : null;
            if (name is null)
            {
                return AsIs;
            }

            MethodInfo unwrap = typeof(FunctionInvoker).GetMethods(BindingFlags.NonPublic | BindingFlags.Static)
                .Single(candidate => candidate.Name == name && candidate.IsGenericMethodDefinition == (generic is not null));
            return (generic is null ? unwrap : unwrap.MakeGenericMethod(returns.GetGenericArguments()))
                .CreateDelegate<Func<object?, ValueTask<object?>>>();
        }
    }
}
