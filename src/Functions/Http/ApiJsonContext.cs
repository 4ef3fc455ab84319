using System.Text.Json;
using System.Text.Json.Serialization;
using BlueTokens.Functions.Health;

namespace BlueTokens.Functions.Http;

/// <summary>Source-generated JSON for every body the API writes: camelCase, nulls written as the contract shows them.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(Problem))]
[JsonSerializable(typeof(HealthResponse))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
