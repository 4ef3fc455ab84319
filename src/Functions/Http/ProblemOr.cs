using System.Diagnostics.CodeAnalysis;

namespace BlueTokens.Functions.Http;

/// <summary>
/// What a step of reading a request gave (the authenticated admin, the parsed body), or the problem that refuses
/// the request. Every function takes it the same way:
/// <code>if (!read.TryGet(out JsonBody? body, out ApiProblem? problem)) { return problem; }</code>
/// </summary>
internal readonly struct ProblemOr<T>
    where T : class
{
    private readonly T? _value;
    private readonly ApiProblem? _problem;

    private ProblemOr(T? value, ApiProblem? problem)
    {
        _value = value;
        _problem = problem;
    }

    public static implicit operator ProblemOr<T>(T value) => new(value, null);

    public static implicit operator ProblemOr<T>(ApiProblem problem) => new(null, problem);

    public bool TryGet([NotNullWhen(true)] out T? value, [NotNullWhen(false)] out ApiProblem? problem)
    {
        if (_problem is not null)
        {
            value = null;
            problem = _problem;
            return false;
        }

        value = _value!; // made only by the conversions above: no problem means a value
        problem = null;
        return true;
    }
}
