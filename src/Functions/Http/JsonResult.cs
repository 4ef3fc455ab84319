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
    private readonly List<KeyValuePair<string, string>> _headers = [];

    public int StatusCode => status;

    public T Body => body;

    public JsonResult<T> WithHeader(string name, string value)
    {
        _headers.Add(new(name, value));
        return this;
    }

    public async Task ExecuteResultAsync(ActionContext context)
    {
        HttpResponse response = context.HttpContext.Response;
        response.StatusCode = status;
        response.ContentType = contentType + "; charset=utf-8";
        foreach ((string name, string value) in _headers)
        {
            response.Headers.Append(name, value);
        }

        await JsonSerializer.SerializeAsync(response.Body, body, typeInfo, context.HttpContext.RequestAborted);
    }
}
