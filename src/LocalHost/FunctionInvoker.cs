using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace BlueTokens.LocalHost;

/// <summary>
/// Calls a function method as the worker would: a new instance of its class from the invocation's services,
/// and arguments from what both hosts can give (the request, route values, a timer's state, a cancellation token).
/// </summary>
internal static class FunctionInvoker
{
    public static Task<object?> InvokeHttpAsync(HttpFunction function, HttpContext context) =>
        InvokeAsync(function, context.RequestServices, parameter => BindHttp(function, parameter, context));

    public static Task<object?> InvokeTimerAsync(TimerFunction function, IServiceProvider services, TimerInfo timer, CancellationToken cancellationToken) =>
        InvokeAsync(function, services, parameter =>
            parameter.ParameterType == typeof(TimerInfo) ? timer
            : parameter.ParameterType == typeof(CancellationToken) ? cancellationToken
            : throw Unbindable(function, parameter));

    private static async Task<object?> InvokeAsync(FunctionDescriptor function, IServiceProvider services, Func<ParameterInfo, object?> bind)
    {
        object? instance = function.Method.IsStatic ? null : ActivatorUtilities.CreateInstance(services, function.DeclaringType);
        try
        {
            object?[] arguments = function.Method.GetParameters().Select(bind).ToArray();
            object? returned;
            try
            {
                returned = function.Method.Invoke(instance, arguments);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
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

    private static object? BindHttp(HttpFunction function, ParameterInfo parameter, HttpContext context)
    {
        if (parameter.GetCustomAttribute<HttpTriggerAttribute>() is not null)
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
                Type taskType = task.GetType();
                return taskType.IsGenericType && taskType.GetGenericArguments()[0].Name != "VoidTaskResult"
                    ? taskType.GetProperty(nameof(Task<object>.Result))!.GetValue(task)
                    : null;
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
}
