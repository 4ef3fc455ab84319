using System.Text.Json;
using System.Text.Json.Serialization;
using BlueTokens.Core.Json;
using BlueTokens.Functions.Clients;
using BlueTokens.Functions.Health;
using BlueTokens.Functions.SecretScanning;
using BlueTokens.Functions.Validation;
using BlueTokens.Functions.Web;

namespace BlueTokens.Functions.Http;

/// <summary>Source-generated JSON for every body the API writes: camelCase, nulls written as the contract shows them.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never, Converters = [typeof(UtcTimestampConverter)])]
[JsonSerializable(typeof(Problem))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(WebConfig))]
[JsonSerializable(typeof(ClientResponse))]
[JsonSerializable(typeof(IssuedTokenResponse))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(ClientListResponse))]
[JsonSerializable(typeof(UsageResponse))]
[JsonSerializable(typeof(AuditListResponse))]
[JsonSerializable(typeof(ValidateResponse))]
[JsonSerializable(typeof(LeakVerdictResponse[]))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
