using System.Collections.Concurrent;
using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using System.Runtime.ExceptionServices;
using BlueTokens.Functions;
using Microsoft.Azure.Functions.Worker;

namespace BlueTokens.LocalHost;

/// <summary>
/// Calls a function method as the worker would: a new instance of its class from the invocation's services,
/// and arguments from what both hosts can give (the request, route values, a timer's state, a cancellation token).
/// What reflection tells about a function (its parameters, how to construct its class) is read once per function,
/// not per request: LocalHost's own cost should not blur what the functions cost (bench/RESULTS.md).
/// </summary>
internal static class FunctionInvoker
{
    private static readonly ConcurrentDictionary<MethodInfo, Plan> Plans = new();
    private static readonly ConcurrentDictionary<Type, PropertyInfo?> ResultProperties = new();

    public static Task<object?> InvokeHttpAsync(HttpFunction function, HttpContext context) =>
        InvokeAsync(function, context.RequestServices, (plan, parameter) => BindHttp(function, plan, parameter, context));

    public static Task<object?> InvokeTimerAsync(TimerFunction function, IServiceProvider services, TimerInfo timer, CancellationToken cancellationToken) =>
        InvokeAsync(function, services, (_, parameter) =>
            parameter.ParameterType == typeof(TimerInfo) ? timer
            : parameter.ParameterType == typeof(CancellationToken) ? cancellationToken
            : throw Unbindable(function, parameter));

    private static async Task<object?> InvokeAsync(FunctionDescriptor function, IServiceProvider services, Func<Plan, ParameterInfo, object?> bind)
    {
        Plan plan = Plans.GetOrAdd(function.Method, static (_, function) => Plan.Of(function), function);
        object? instance = plan.Create?.Invoke(services, null);
        try
        {
            object?[] arguments = new object?[plan.Parameters.Length];
            for (int i = 0; i < arguments.Length; i++)
            {
                arguments[i] = bind(plan, plan.Parameters[i]);
            }

            object? returned;
            try
            {
                returned = function.Method.Invoke(instance, arguments);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                ExceptionDispatchInfo.Throw(e.InnerException);
                throw;
            }

            return await UnwrapAsync(returned);
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

    private static object? BindHttp(HttpFunction function, Plan plan, ParameterInfo parameter, HttpContext context)
    {
        if (plan.IsTrigger(parameter))
        {
            return context.Request;
        }

        if (parameter.ParameterType == typeof(CancellationToken))
        {
            return context.RequestAborted;
        }

        if (parameter.Name is { } name && context.Request.RouteValues.TryGetValue(name, out object? value))
        {
            return ConvertRouteValue(value, parameter.ParameterType);
        }

        throw Unbindable(function, parameter);
    }

    private static object? ConvertRouteValue(object? value, Type target)
    {
        if (value is null || target.IsInstanceOfType(value))
        {
            return value;
        }

        return TypeDescriptor.GetConverter(target).ConvertFrom(null, CultureInfo.InvariantCulture, value);
    }

    private static async Task<object?> UnwrapAsync(object? returned)
    {
        switch (returned)
        {
            case Task task:
                await task;
                return ResultProperties.GetOrAdd(task.GetType(), static type => type.IsGenericType && type.GetGenericArguments()[0].Name != "VoidTaskResult"
                    ? type.GetProperty(nameof(Task<object>.Result))
                    : null)?.GetValue(task);
            case ValueTask valueTask:
                await valueTask;
                return null;
            case not null when returned.GetType() is { IsGenericType: true } type && type.GetGenericTypeDefinition() == typeof(ValueTask<>):
                var asTask = (Task)type.GetMethod(nameof(ValueTask<object>.AsTask))!.Invoke(returned, null)!;
                return await UnwrapAsync(asTask);
            default:
                return returned;
        }
    }

    private static NotSupportedException Unbindable(FunctionDescriptor function, ParameterInfo parameter) =>
        new($"Function {function.Name}: LocalHost cannot bind parameter '{parameter.Name}' of type {parameter.ParameterType.Name}. "
            + "Functions take only HttpRequest, route values, TimerInfo and CancellationToken, with services injected into the class.");

    /// <summary>What reflection says of one function, read once: its parameters, which is the trigger, how to make its class.</summary>
    private sealed class Plan(ParameterInfo[] parameters, ParameterInfo? trigger, ObjectFactory? create)
    {
        public ParameterInfo[] Parameters => parameters;

        public ObjectFactory? Create => create;

        public bool IsTrigger(ParameterInfo parameter) => parameter.Position == trigger?.Position;

        public static Plan Of(FunctionDescriptor function) => new(
            function.Method.GetParameters(),
            (function as HttpFunction)?.Trigger,
            function.Method.IsStatic ? null : ActivatorUtilities.CreateFactory(function.DeclaringType, Type.EmptyTypes));
    }
}
