using System.Security.Cryptography;
using BlueTokens.Core.Auth;
using BlueTokens.Core.Clients;
using BlueTokens.Core.Tokens;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace BlueTokens.UnitTests.Clients;

/// <summary>
/// A <see cref="ClientService"/> with the real change loop, rules, lifetimes, protector and paging tokens over a
/// <see cref="FakeClientStore"/> and faked effects (cache, index, lookups, events), at a fixed clock.
/// </summary>
internal sealed class ClientServiceHarness
{
    public const string Tenant = "tenant-a";

    public ClientServiceHarness()
    {
        var tokens = Options.Create(new TokenOptions { EncryptionKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) });
        Protector = new TokenProtector(tokens);
        Continuations = new ContinuationTokens(tokens);
        string token = AccessToken.Generate();
        Token = token;
        ClientRecord client = TestClients.Record(Time.GetUtcNow());
        Store = new FakeClientStore(client with
        {
            TokenHash = AccessToken.HashWellFormed(token).ToHex(),
            TokenPrefix = AccessToken.DisplayPrefix(token),
            ProtectedToken = Protector.Protect(token, client.ProtectionContext),
        });
        var changes = new ClientChanges(Store.Object, Effects.Object, Options.Create(new TenantOptions()), Time);
        Service = new ClientService(Store.Object, changes, Protector, new LifetimePolicy(tokens), Continuations, Effects.Object, Time);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    public Admin Admin { get; } = new(Tenant, "admin@contoso");

    public FakeClientStore Store { get; }

    /// <summary>The stored client's current token, in the clear.</summary>
    public string Token { get; }

    public Mock<ClientEffects> Effects { get; } = new(null!, null!, null!, null!, null!, null!, null!, null!);

    public TokenProtector Protector { get; }

    public ContinuationTokens Continuations { get; }

    public ClientService Service { get; }

    public DateTimeOffset Now => Time.GetUtcNow();
}
