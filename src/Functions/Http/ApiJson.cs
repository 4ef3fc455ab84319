using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace BlueTokens.Functions.Http;

/// <summary>
/// A JSON answer of the API, written with source-generated metadata. An <see cref="IResult"/>, which the Functions
/// worker's ASP.NET Core integration executes (and LocalHost the same way), so that a function's signature can
/// list its answers as <c>Results&lt;ApiJson&lt;T&gt;, ApiProblem&gt;</c>. Built with <see cref="ApiJson"/>.
/// </summary>
internal sealed class ApiJson<T>(int status, T value, JsonTypeInfo<T> typeInfo, string contentType = ApiJson.ContentType)
    : IResult, IStatusCodeHttpResult, IValueHttpResult<T>, IValueHttpResult, IContentTypeHttpResult
{
    private List<KeyValuePair<string, string>>? _headers;

    public int StatusCode => status;

    int? IStatusCodeHttpResult.StatusCode => status;

    public T Value => value;

    object? IValueHttpResult.Value => value;

    public string ContentType => contentType;

    public ApiJson<T> WithHeader(string name, string headerValue)
    {
        (_headers ??= []).Add(new(name, headerValue));
        return this;
    }

    /// <summary>
    /// Serialized to bytes first, then written with its Content-Length: one write, no chunked framing, and no
    /// asynchronous serializer machinery for what is nearly always a small body.
    /// </summary>
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        HttpResponse response = httpContext.Response;
        response.StatusCode = status;
        response.ContentType = contentType;
        if (_headers is not null)
        {
            foreach ((string name, string headerValue) in _headers)
            {
                response.Headers.Append(name, headerValue);
            }
        }

        byte[] json = JsonSerializer.SerializeToUtf8Bytes(value, typeInfo);
        response.ContentLength = json.Length;
        await response.Body.WriteAsync(json, httpContext.RequestAborted);
    }
}

/// <summary>The JSON answers, named by status as <c>TypedResults</c> names them.</summary>
internal static class ApiJson
{
    public const string ContentType = "application/json; charset=utf-8";

    public static ApiJson<T> Ok<T>(T value, JsonTypeInfo<T> typeInfo) => new(StatusCodes.Status200OK, value, typeInfo);

    /// <summary>Another status with a body: 201 for a created client, the health check's 503.</summary>
    public static ApiJson<T> WithStatus<T>(int status, T value, JsonTypeInfo<T> typeInfo) => new(status, value, typeInfo);
}
