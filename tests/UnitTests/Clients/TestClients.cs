using BlueTokens.Core.Clients;

namespace BlueTokens.UnitTests.Clients;

internal static class TestClients
{
    /// <summary>An active client of tenant-a, issued at <paramref name="now"/> for 30 days.</summary>
    public static ClientRecord Record(DateTimeOffset now) => new()
    {
        TenantId = "tenant-a",
        Id = ClientIds.New(now),
        Name = "BI",
        Role = "analyst",
        Disabled = false,
        Version = 1,
        TokenHash = new string('a', 64),
        TokenPrefix = "blue_aaaa",
        ProtectedToken = "protected",
        TokenIssuedAt = now,
        ExpiresAt = now.AddDays(30),
        CreatedAt = now,
        CreatedBy = "admin@contoso",
        UpdatedAt = now,
    };
}
