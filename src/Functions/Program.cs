using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using BlueTokens.Core;
using BlueTokens.Core.Validation;
using BlueTokens.Functions.Http;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;

FunctionsApplicationBuilder builder = FunctionsApplication.CreateBuilder(args);

builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<UnhandledExceptionMiddleware>();
builder.Services.AddBlueTokenCore(builder.Configuration);

// Telemetry: logs, traces and the validate outcome metric through OpenTelemetry, to Application Insights where
// APPLICATIONINSIGHTS_CONNECTION_STRING is set (with the managed identity, as infra/ configures it).
IOpenTelemetryBuilder telemetry = builder.AddOpenTelemetry()
    .UseFunctionsWorkerDefaults()
    .WithMetrics(metrics => metrics.AddMeter(ValidationMetrics.MeterName));
if (!string.IsNullOrEmpty(builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
{
    telemetry.UseAzureMonitorExporter(options =>
    {
        if (builder.Configuration["AZURE_CLIENT_ID"] is { Length: > 0 } clientId)
        {
            options.Credential = new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
        }
    });
}

builder.Build().Run();
