namespace BlueTokens.Core.Configuration;

/// <summary>
/// The secrets published in <c>local.settings.sample.json</c>: anyone can read them, so they are refused anywhere
/// but a local run (a test holds these to the file's values, so the guard follows the file).
/// </summary>
internal static class SampleSecrets
{
    public const string SigningKey = "blue-development-signing-key-not-for-production-use-0001";

    public const string EncryptionKey = "6XDyKiCXoqpfpDjp6S21wgy4WWNOxR3ZG20PNyREpp8=";
}
