using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Azure.Functions.Worker;

namespace BlueTokens.Functions.Http;

/// <summary>
/// Every request under <c>/api</c> that no other function takes: 405 <c>method_not_allowed</c> (with Allow) where
/// the path is one of ours under another verb, else 404 <c>not_found</c>. A function rather than host routing, so
/// that the Functions host and LocalHost both answer with the contract's problem details.
/// </summary>
internal sealed class Fallback
{
    private static readonly string[] Verbs = ["get", "post", "put", "patch", "delete"];

    private static readonly Lazy<List<(TemplateMatcher Matcher, IReadOnlyList<string> Verbs)>> Routes = new(ReadRoutes);

    [Function(nameof(Fallback))]
    public static ApiProblem Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", Route = "{*path}")] HttpRequest request,
        string? path)
    {
        var target = new PathString("/" + (path ?? "").Trim('/'));
        string[] allowed = Routes.Value
            .Where(route => route.Matcher.TryMatch(target, new RouteValueDictionary()))
            .SelectMany(route => route.Verbs)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Select(verb => verb.ToUpperInvariant())
            .ToArray();
        return allowed.Length > 0
            ? Problems.MethodNotAllowed(request.Method, allowed)
            : Problems.NotFound($"No resource at {request.Path}. The API is described in API.md.");
    }

    private static List<(TemplateMatcher, IReadOnlyList<string>)> ReadRoutes() =>
        FunctionIndex.Read(typeof(Fallback).Assembly.GetTypes())
            .OfType<HttpFunction>()
            .Where(function => function.Name != nameof(Fallback))
            .Select(function => (new TemplateMatcher(TemplateParser.Parse(function.Route), new RouteValueDictionary()), function.Methods.Count > 0 ? function.Methods : Verbs))
            .ToList();
}
