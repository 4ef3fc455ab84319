using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace BlueTokens.Functions.Http;

/// <summary>
/// A JSON response that writes itself with source-generated metadata. It is an <see cref="IActionResult"/>
/// because that is what the Functions worker's ASP.NET Core integration executes, and LocalHost executes it the
/// same way; it needs no MVC formatters on either host.
/// </summary>
internal sealed class JsonResult<T>(int status, T body, JsonTypeInfo<T> typeInfo, string contentType = "application/json") : IActionResult
{
    private const string Json = "application/json";
    private const string JsonUtf8 = "application/json; charset=utf-8";

    private List<KeyValuePair<string, string>>? _headers;

    public int StatusCode => status;

    public T Body => body;

    public JsonResult<T> WithHeader(string name, string value)
    {
        (_headers ??= []).Add(new(name, value));
        return this;
    }

    /// <summary>
    /// Serialized to bytes first, then written with its Content-Length: one write, no chunked framing, and no
    /// asynchronous serializer machinery for what is nearly always a small body.
    /// </summary>
    public async Task ExecuteResultAsync(ActionContext context)
    {
        HttpResponse response = context.HttpContext.Response;
        response.StatusCode = status;
        response.ContentType = contentType == Json ? JsonUtf8 : contentType + "; charset=utf-8";
        if (_headers is not null)
        {
            foreach ((string name, string value) in _headers)
            {
                response.Headers.Append(name, value);
            }
        }

        byte[] json = JsonSerializer.SerializeToUtf8Bytes(body, typeInfo);
        response.ContentLength = json.Length;
        await response.Body.WriteAsync(json, context.HttpContext.RequestAborted);
    }
}
