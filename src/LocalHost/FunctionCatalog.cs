using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace BlueTokens.LocalHost;

/// <summary>A function found by its <c>[Function]</c> attribute: what the Functions host would index.</summary>
internal abstract record FunctionDescriptor(string Name, Type DeclaringType, MethodInfo Method);

/// <summary>An HTTP-triggered function; <see cref="Methods"/> is empty where the trigger accepts every verb.</summary>
internal sealed record HttpFunction(string Name, Type DeclaringType, MethodInfo Method, IReadOnlyList<string> Methods, string Route)
    : FunctionDescriptor(Name, DeclaringType, Method);

/// <summary>A timer-triggered function, with its NCRONTAB schedule as written (it may name a setting as %Name%).</summary>
internal sealed record TimerFunction(string Name, Type DeclaringType, MethodInfo Method, string Schedule, bool RunOnStartup)
    : FunctionDescriptor(Name, DeclaringType, Method);

/// <summary>
/// Every function of the given assemblies, read from the same attributes the Functions SDK reads to write
/// <c>functions.metadata</c>, so that LocalHost serves exactly what the Functions host would.
/// </summary>
internal sealed class FunctionCatalog
{
    public FunctionCatalog(IEnumerable<Assembly> assemblies)
        : this(assemblies.SelectMany(assembly => assembly.GetTypes()))
    {
    }

    public FunctionCatalog(IEnumerable<Type> types)
    {
        var functions = new List<FunctionDescriptor>();
        foreach (MethodInfo method in types.SelectMany(FunctionMethods))
        {
            functions.Add(Describe(method));
        }

        Functions = functions;
    }

    public IReadOnlyList<FunctionDescriptor> Functions { get; }

    public IEnumerable<HttpFunction> Http => Functions.OfType<HttpFunction>();

    public IEnumerable<TimerFunction> Timers => Functions.OfType<TimerFunction>();

    public FunctionDescriptor? Find(string name) =>
        Functions.FirstOrDefault(function => string.Equals(function.Name, name, StringComparison.OrdinalIgnoreCase));

    private static IEnumerable<MethodInfo> FunctionMethods(Type type) =>
        type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Where(method => method.GetCustomAttribute<FunctionAttribute>() is not null);

    private static FunctionDescriptor Describe(MethodInfo method)
    {
        string name = method.GetCustomAttribute<FunctionAttribute>()!.Name;
        Type type = method.DeclaringType!;
        foreach (ParameterInfo parameter in method.GetParameters())
        {
            if (parameter.GetCustomAttribute<HttpTriggerAttribute>() is { } http)
            {
                if (parameter.ParameterType != typeof(HttpRequest))
                {
                    throw new NotSupportedException($"Function {name}: LocalHost binds HTTP triggers to HttpRequest only, not {parameter.ParameterType.Name}.");
                }

                string[] methods = (http.Methods ?? []).Select(verb => verb.ToUpperInvariant()).ToArray();
                return new HttpFunction(name, type, method, methods, http.Route ?? name);
            }

            if (parameter.GetCustomAttribute<TimerTriggerAttribute>() is { } timer)
            {
                return new TimerFunction(name, type, method, timer.Schedule, timer.RunOnStartup);
            }
        }

        throw new NotSupportedException($"Function {name} has a trigger LocalHost does not serve (HTTP and timer only).");
    }
}
