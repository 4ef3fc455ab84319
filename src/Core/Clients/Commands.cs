using BlueTokens.Core.Audit;

namespace BlueTokens.Core.Clients;

/// <summary>A create as the admin asked for it; values are checked by the service.</summary>
internal sealed record CreateClientCommand(
    string? Name, string? Role, int? ExpiresInDays, DateTimeOffset? ExpiresAt, IReadOnlyList<string?>? AllowedNetworks = null);

/// <summary>A PATCH: a null field is absent and stays as it is.</summary>
internal sealed record UpdateClientCommand(string? Name, string? Role, IReadOnlyList<string?>? AllowedNetworks = null);

internal sealed record RegenerateTokenCommand(int? ExpiresInDays, DateTimeOffset? ExpiresAt, int? GracePeriodMinutes);

/// <summary>A client with the token just issued to it: the only time a token leaves the service unasked.</summary>
internal sealed record IssuedToken(ClientRecord Client, string Token);

internal sealed record ClientPage(IReadOnlyList<ClientRecord> Items, string? ContinuationToken);

internal sealed record AuditPage(IReadOnlyList<AuditEvent> Items, string? ContinuationToken);

internal sealed record PageRequest(int PageSize, string? ContinuationToken)
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 100;
}
