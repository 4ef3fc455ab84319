using System.Text.Json;
using System.Text.Json.Serialization;
using BlueTokens.Core.Clients;

namespace BlueTokens.Core.Storage;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(GraceToken[]))]
internal sealed partial class StorageJsonContext : JsonSerializerContext;
