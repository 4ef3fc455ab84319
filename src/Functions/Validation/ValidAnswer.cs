using System.Text.Json;
using BlueTokens.Core.Validation;
using BlueTokens.Functions.Http;
using Microsoft.AspNetCore.Http;

namespace BlueTokens.Functions.Validation;

/// <summary>
/// Validate's 200, serialized once per result: a result the local answers hand out to every hit of its lease
/// carries its rendering (<see cref="ValidationResult.Rendered"/>), so a hit writes bytes made earlier and allocates
/// nothing for its body. Byte for byte what <see cref="ApiJson{T}"/> writes for a <see cref="ValidateResponse"/>.
/// </summary>
internal sealed class ValidAnswer : IResult, IStatusCodeHttpResult, IContentTypeHttpResult
{
    private readonly byte[] _body;

    private ValidAnswer(byte[] body) => _body = body;

    int? IStatusCodeHttpResult.StatusCode => StatusCodes.Status200OK;

    public string ContentType => ApiJson.ContentType;

    public static ValidAnswer For(ValidationResult result)
    {
        if (result.Rendered is ValidAnswer made)
        {
            return made;
        }

        var response = new ValidateResponse(true, result.TenantId!, result.ClientId!, result.ClientName!, result.Role!, result.ExpiresAt!.Value);
        var answer = new ValidAnswer(JsonSerializer.SerializeToUtf8Bytes(response, ApiJsonContext.Default.ValidateResponse));
        result.Rendered = answer;
        return answer;
    }

    public Task ExecuteAsync(HttpContext httpContext)
    {
        HttpResponse response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ApiJson.ContentType;
        response.Headers.CacheControl = "no-store";
        response.ContentLength = _body.Length;
        return response.Body.WriteAsync(_body, httpContext.RequestAborted).AsTask();
    }
}
