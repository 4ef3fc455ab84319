using System.Text.Json;
using System.Text.Json.Nodes;
using BlueTokens.Core.Audit;
using BlueTokens.Core.Clients;

namespace BlueTokens.Core.Storage;

/// <summary>The rows of <see cref="RowKeys">the clients table</see> to and from the records the rest of Core uses.</summary>
internal static class EntityMapping
{
    public static ClientRecord ToRecord(this ClientEntity entity) => new()
    {
        TenantId = entity.PartitionKey,
        Id = entity.ClientId,
        Name = entity.Name,
        Role = entity.Role,
        Disabled = entity.Disabled,
        Version = entity.Version,
        TokenHash = entity.TokenHash,
        TokenPrefix = entity.TokenPrefix,
        ProtectedToken = entity.ProtectedToken,
        TokenIssuedAt = entity.TokenIssuedAt,
        ExpiresAt = entity.ExpiresAt,
        CreatedAt = entity.CreatedAt,
        CreatedBy = entity.CreatedBy,
        UpdatedAt = entity.UpdatedAt,
        LastUsedAt = entity.LastUsedAt,
        GraceTokens = string.IsNullOrEmpty(entity.GraceTokens)
            ? []
            : JsonSerializer.Deserialize(entity.GraceTokens, StorageJsonContext.Default.GraceTokenArray) ?? [],
        AllowedNetworks = string.IsNullOrEmpty(entity.AllowedNetworks)
            ? []
            : JsonSerializer.Deserialize(entity.AllowedNetworks, StorageJsonContext.Default.StringArray) ?? [],
        Leak = string.IsNullOrEmpty(entity.Leak) ? null : JsonSerializer.Deserialize(entity.Leak, StorageJsonContext.Default.ClientLeak),
        WarnedTokenHash = entity.WarnedTokenHash,
        ExpiredTokenHash = entity.ExpiredTokenHash,
    };

    public static ClientEntity ToEntity(this ClientRecord record) => new()
    {
        PartitionKey = record.TenantId,
        RowKey = RowKeys.Client(record.Id),
        ClientId = record.Id,
        Name = record.Name,
        Role = record.Role,
        Disabled = record.Disabled,
        Version = record.Version,
        TokenHash = record.TokenHash,
        TokenPrefix = record.TokenPrefix,
        ProtectedToken = record.ProtectedToken,
        TokenIssuedAt = record.TokenIssuedAt,
        ExpiresAt = record.ExpiresAt,
        CreatedAt = record.CreatedAt,
        CreatedBy = record.CreatedBy,
        UpdatedAt = record.UpdatedAt,
        LastUsedAt = record.LastUsedAt,
        GraceTokens = record.GraceTokens.Count == 0
            ? null
            : JsonSerializer.Serialize(record.GraceTokens.ToArray(), StorageJsonContext.Default.GraceTokenArray),
        AllowedNetworks = record.AllowedNetworks.Count == 0
            ? null
            : JsonSerializer.Serialize(record.AllowedNetworks.ToArray(), StorageJsonContext.Default.StringArray),
        Leak = record.Leak is null ? null : JsonSerializer.Serialize(record.Leak, StorageJsonContext.Default.ClientLeak),
        WarnedTokenHash = record.WarnedTokenHash,
        ExpiredTokenHash = record.ExpiredTokenHash,
    };

    public static AuditEvent ToEvent(this AuditEntity entity) => new(
        entity.EventId,
        entity.At,
        entity.Actor,
        entity.Action,
        entity.ClientId,
        entity.ClientName,
        string.IsNullOrEmpty(entity.Detail) ? null : JsonNode.Parse(entity.Detail)?.AsObject());

    /// <summary>The event's two rows: one in the tenant's trail and one in the client's, both newest first.</summary>
    public static AuditEntity[] ToEntities(this AuditEvent audit, string tenantId)
    {
        string inverted = RowKeys.InvertedTicks(audit.At);
        string? detail = audit.Detail?.ToJsonString();
        return [Row($"{RowKeys.AuditPrefix}{inverted}|{audit.Id}"), Row($"{RowKeys.ClientAudit(audit.ClientId)}{inverted}|{audit.Id}")];

        AuditEntity Row(string rowKey) => new()
        {
            PartitionKey = tenantId,
            RowKey = rowKey,
            EventId = audit.Id,
            At = audit.At,
            Actor = audit.Actor,
            Action = audit.Action,
            ClientId = audit.ClientId,
            ClientName = audit.ClientName,
            Detail = detail,
        };
    }
}
