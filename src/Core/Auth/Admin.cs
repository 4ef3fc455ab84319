namespace BlueTokens.Core.Auth;

/// <summary>The caller of the management API: the tenant it acts for and who it is (the JWT's <c>sub</c>).</summary>
internal sealed record Admin(string TenantId, string Actor);
