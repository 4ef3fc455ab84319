using System.Reflection;
using BlueTokens.Functions;

namespace BlueTokens.LocalHost;

/// <summary>
/// The functions LocalHost serves: every function of the given assemblies as <see cref="FunctionIndex"/> reads
/// them (the attributes the Functions SDK reads to write <c>functions.metadata</c>), so that LocalHost serves
/// exactly what the Functions host would. It refuses to start with one it could not serve as that host does.
/// </summary>
internal sealed class FunctionCatalog
{
    public FunctionCatalog(IEnumerable<Assembly> assemblies)
        : this(assemblies.SelectMany(assembly => assembly.GetTypes()))
    {
    }

    public FunctionCatalog(IEnumerable<Type> types)
    {
        Functions = FunctionIndex.Read(types).Select(Servable).ToList();
    }

    public IReadOnlyList<FunctionDescriptor> Functions { get; }

    public IEnumerable<HttpFunction> Http => Functions.OfType<HttpFunction>();

    public IEnumerable<TimerFunction> Timers => Functions.OfType<TimerFunction>();

    public FunctionDescriptor? Find(string name) =>
        Functions.FirstOrDefault(function => string.Equals(function.Name, name, StringComparison.OrdinalIgnoreCase));

    private static FunctionDescriptor Servable(FunctionDescriptor function) => function switch
    {
        HttpFunction http when http.Trigger.ParameterType != typeof(HttpRequest) => throw new NotSupportedException(
            $"Function {function.Name}: LocalHost binds HTTP triggers to HttpRequest only, not {http.Trigger.ParameterType.Name}."),
        HttpFunction or TimerFunction => function,
        _ => throw new NotSupportedException($"Function {function.Name} has a trigger LocalHost does not serve (HTTP and timer only)."),
    };
}
