namespace BlueTokens.Core.Clients;

/// <summary>A replaced token that still validates until <see cref="Until"/> (a regeneration's grace period).</summary>
internal sealed record GraceToken(string Hash, string TokenPrefix, DateTimeOffset Until);
