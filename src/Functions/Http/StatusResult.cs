using Microsoft.AspNetCore.Mvc;

namespace BlueTokens.Functions.Http;

/// <summary>A response with a status and no body (204).</summary>
internal sealed class StatusResult(int status) : IActionResult
{
    public int StatusCode => status;

    public Task ExecuteResultAsync(ActionContext context)
    {
        context.HttpContext.Response.StatusCode = status;
        return Task.CompletedTask;
    }
}
