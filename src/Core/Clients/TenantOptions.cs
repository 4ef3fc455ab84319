using BlueTokens.Core.Configuration;

namespace BlueTokens.Core.Clients;

/// <summary>Settings under <c>Tenants__</c>.</summary>
internal sealed class TenantOptions
{
    public const string Section = "Tenants";

    /// <summary>Clients per tenant, so that one tenant cannot exhaust the store.</summary>
    public int MaxClients { get; set; } = 1000;
}

internal sealed class TenantOptionsValidator : SettingsValidator<TenantOptions>
{
    protected override void Check(TenantOptions options, Action<string, string> fail)
    {
        if (options.MaxClients < 1)
        {
            fail("Tenants__MaxClients", "must be at least 1.");
        }
    }
}
