namespace BlueTokens.Functions.Validation;

internal sealed record ValidateResponse(bool Valid, string TenantId, string ClientId, string ClientName, string Role, DateTimeOffset ExpiresAt);
