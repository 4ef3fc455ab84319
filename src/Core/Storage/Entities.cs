using System.Globalization;
using Azure;
using Azure.Data.Tables;

namespace BlueTokens.Core.Storage;

/// <summary>
/// The rows of the <c>clients</c> table. One partition per tenant holds its clients, the reservations of their
/// names, its client counter and its audit trail, so that a change and everything it implies commit in one entity
/// group transaction. Row keys: <c>client|{id}</c>, <c>name|{NAME}</c>, <c>tenant</c>,
/// <c>audit|{inverted ticks}|{event}</c> and <c>caudit|{client}|{inverted ticks}|{event}</c>.
/// </summary>
internal static class RowKeys
{
    public const string ClientPrefix = "client|";
    public const string NamePrefix = "name|";
    public const string Tenant = "tenant";
    public const string AuditPrefix = "audit|";
    public const string ClientAuditPrefix = "caudit|";

    public static string Client(string id) => ClientPrefix + id;

    public static string Name(string nameKey) => NamePrefix + nameKey;

    public static string ClientAudit(string clientId) => $"{ClientAuditPrefix}{clientId}|";

    /// <summary>The first row key after every key that starts with <paramref name="prefix"/> (prefixes end in '|').</summary>
    public static string AfterPrefix(string prefix) => prefix[..^1] + '}';

    /// <summary>A time that sorts newest first: audit rows are read in row key order.</summary>
    public static string InvertedTicks(DateTimeOffset at) =>
        (DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks).ToString("D19", CultureInfo.InvariantCulture);
}

internal sealed class ClientEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";

    public string RowKey { get; set; } = "";

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public string ClientId { get; set; } = "";

    public string Name { get; set; } = "";

    public string Role { get; set; } = "";

    public bool Disabled { get; set; }

    public long Version { get; set; }

    public string TokenHash { get; set; } = "";

    public string TokenPrefix { get; set; } = "";

    public string ProtectedToken { get; set; } = "";

    public DateTimeOffset TokenIssuedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public string CreatedBy { get; set; } = "";

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }

    /// <summary>JSON array of grace-period tokens; absent where there are none.</summary>
    public string? GraceTokens { get; set; }

    /// <summary>JSON array of canonical CIDR strings; absent where any source is allowed.</summary>
    public string? AllowedNetworks { get; set; }

    /// <summary>JSON of the secret scanning report about the current token; absent where there is none.</summary>
    public string? Leak { get; set; }

    public string? WarnedTokenHash { get; set; }

    public string? ExpiredTokenHash { get; set; }
}

internal sealed class NameEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";

    public string RowKey { get; set; } = "";

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public string ClientId { get; set; } = "";
}

internal sealed class TenantEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";

    public string RowKey { get; set; } = RowKeys.Tenant;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public int ClientCount { get; set; }
}

internal sealed class AuditEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";

    public string RowKey { get; set; } = "";

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public string EventId { get; set; } = "";

    public DateTimeOffset At { get; set; }

    public string Actor { get; set; } = "";

    public string Action { get; set; } = "";

    public string ClientId { get; set; } = "";

    public string ClientName { get; set; } = "";

    /// <summary>A JSON object, or absent.</summary>
    public string? Detail { get; set; }
}

/// <summary>
/// The <c>tokenlookup</c> table: partition key = hex SHA-256 of a token, row key empty. One point read takes a
/// validate miss from a token to its client; the client row stays the judge of whether the token still counts.
/// </summary>
internal sealed class TokenLookupEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";

    public string RowKey { get; set; } = "";

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public string TenantId { get; set; } = "";

    public string ClientId { get; set; } = "";

    /// <summary>When this token stops validating (its expiry, or its grace end): for clean-up, not for judging.</summary>
    public DateTimeOffset ExpiresAt { get; set; }
}
