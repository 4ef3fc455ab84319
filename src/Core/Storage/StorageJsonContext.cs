using System.Text.Json;
using System.Text.Json.Serialization;
using BlueTokens.Core.Clients;

namespace BlueTokens.Core.Storage;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(GraceToken[]))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(ClientLeak))]
internal sealed partial class StorageJsonContext : JsonSerializerContext;
