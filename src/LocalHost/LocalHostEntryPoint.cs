namespace BlueTokens.LocalHost;

/// <summary>
/// Names this host for WebApplicationFactory without naming its Program: a test that references both this
/// project and the Functions project would otherwise see two Program types.
/// </summary>
public sealed class LocalHostEntryPoint;
