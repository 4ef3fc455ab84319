namespace BlueTokens.Core.Clients;

/// <summary>Where secret scanning found a client's current token in public: the client stays disabled until a regenerate.</summary>
internal sealed record ClientLeak(DateTimeOffset ReportedAt, string Url, string Source);
