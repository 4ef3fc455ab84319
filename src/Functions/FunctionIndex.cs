using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace BlueTokens.Functions;

/// <summary>A function found by its <c>[Function]</c> attribute: what the Functions host would index.</summary>
internal abstract record FunctionDescriptor(string Name, Type DeclaringType, MethodInfo Method);

/// <summary>
/// An HTTP-triggered function: its trigger parameter, its verbs (upper case; empty where the trigger accepts every
/// verb) and its route below the host's route prefix (the function's name where the trigger names none).
/// </summary>
internal sealed record HttpFunction(string Name, Type DeclaringType, MethodInfo Method, ParameterInfo Trigger, IReadOnlyList<string> Methods, string Route)
    : FunctionDescriptor(Name, DeclaringType, Method);

/// <summary>A timer-triggered function, with its NCRONTAB schedule as written (it may name a setting as %Name%).</summary>
internal sealed record TimerFunction(string Name, Type DeclaringType, MethodInfo Method, string Schedule, bool RunOnStartup)
    : FunctionDescriptor(Name, DeclaringType, Method);

/// <summary>A function with any other trigger (or none): the Functions host may serve it; LocalHost does not.</summary>
internal sealed record OtherFunction(string Name, Type DeclaringType, MethodInfo Method)
    : FunctionDescriptor(Name, DeclaringType, Method);

/// <summary>
/// Reads functions from the same attributes the Functions SDK reads to write <c>functions.metadata</c>: the one
/// reader of them, for LocalHost (what it serves) and for <see cref="Http.Fallback"/> (which routes are ours).
/// </summary>
internal static class FunctionIndex
{
    public static IEnumerable<FunctionDescriptor> Read(IEnumerable<Type> types) =>
        types.SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(method => method.GetCustomAttribute<FunctionAttribute>() is not null)
            .Select(Describe);

    private static FunctionDescriptor Describe(MethodInfo method)
    {
        string name = method.GetCustomAttribute<FunctionAttribute>()!.Name;
        Type type = method.DeclaringType!;
        foreach (ParameterInfo parameter in method.GetParameters())
        {
            if (parameter.GetCustomAttribute<HttpTriggerAttribute>() is { } http)
            {
                string[] methods = (http.Methods ?? []).Select(verb => verb.ToUpperInvariant()).ToArray();
                return new HttpFunction(name, type, method, parameter, methods, http.Route ?? name);
            }

            if (parameter.GetCustomAttribute<TimerTriggerAttribute>() is { } timer)
            {
                return new TimerFunction(name, type, method, timer.Schedule, timer.RunOnStartup);
            }
        }

        return new OtherFunction(name, type, method);
    }
}
