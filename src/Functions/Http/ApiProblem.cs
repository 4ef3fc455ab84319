using Microsoft.AspNetCore.Http;

namespace BlueTokens.Functions.Http;

/// <summary>
/// A problem answer (RFC 9457, <c>application/problem+json</c>), written as every JSON answer is. A type of its
/// own so that a function's signature says which of its answers are problems. Built with <see cref="Problems"/>.
/// </summary>
internal sealed class ApiProblem(Problem problem)
    : IResult, IStatusCodeHttpResult, IValueHttpResult<Problem>, IValueHttpResult, IContentTypeHttpResult
{
    public const string ContentType = "application/problem+json; charset=utf-8";

    private readonly ApiJson<Problem> _json = new(problem.Status, problem, ApiJsonContext.Default.Problem, ContentType);

    public int StatusCode => problem.Status;

    int? IStatusCodeHttpResult.StatusCode => problem.Status;

    public Problem Value => problem;

    object? IValueHttpResult.Value => problem;

    string IContentTypeHttpResult.ContentType => ContentType;

    public ApiProblem WithHeader(string name, string value)
    {
        _json.WithHeader(name, value);
        return this;
    }

    public Task ExecuteAsync(HttpContext httpContext) => _json.ExecuteAsync(httpContext);
}
