namespace BlueTokens.Core.Clients;

/// <summary>
/// A client as stored: the truth that every read, validation and write starts from. <see cref="Version"/> grows
/// by one with every management change and is what the API's ETag names (recording last use does not change it).
/// </summary>
internal sealed record ClientRecord
{
    public required string TenantId { get; init; }

    public required string Id { get; init; }

    public required string Name { get; init; }

    public required string Role { get; init; }

    public required bool Disabled { get; init; }

    public required long Version { get; init; }

    /// <summary>Hex SHA-256 of the current token.</summary>
    public required string TokenHash { get; init; }

    public required string TokenPrefix { get; init; }

    /// <summary>The current token under AES-256-GCM, for Show.</summary>
    public required string ProtectedToken { get; init; }

    public required DateTimeOffset TokenIssuedAt { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required string CreatedBy { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? LastUsedAt { get; init; }

    public IReadOnlyList<GraceToken> GraceTokens { get; init; } = [];

    /// <summary>The networks a connector may validate from, as canonical CIDR strings; empty allows any source.</summary>
    public IReadOnlyList<string> AllowedNetworks { get; init; } = [];

    /// <summary>Set once secret scanning reported the current token as public; cleared by a regenerate.</summary>
    public ClientLeak? Leak { get; init; }

    /// <summary>The token whose <c>token.expiring</c> event was sent (the timer's bookkeeping; not a change an admin made).</summary>
    public string? WarnedTokenHash { get; init; }

    /// <summary>The token whose expiry was recorded (audit and event) by the timer.</summary>
    public string? ExpiredTokenHash { get; init; }

    public string ETag => $"\"v{Version}\"";

    /// <summary>Disabled first, then expired by the clock (never only by the timer), else active.</summary>
    public ClientStatus StatusAt(DateTimeOffset now) =>
        Disabled ? ClientStatus.Disabled
        : ExpiresAt <= now ? ClientStatus.Expired
        : ClientStatus.Active;

    /// <summary>The context AES-GCM binds a protected token to, so a ciphertext moved to another client fails.</summary>
    public string ProtectionContext => ProtectionContextFor(TenantId, Id);

    public static string ProtectionContextFor(string tenantId, string clientId) => $"{tenantId}/{clientId}";
}
