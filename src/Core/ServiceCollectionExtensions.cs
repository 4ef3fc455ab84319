using Azure.Core;
using Azure.Identity;
using Azure.Storage.Queues;
using BlueTokens.Core.Audit;
using BlueTokens.Core.Auth;
using BlueTokens.Core.Caching;
using BlueTokens.Core.Clients;
using BlueTokens.Core.Configuration;
using BlueTokens.Core.Events;
using BlueTokens.Core.Expiry;
using BlueTokens.Core.Health;
using BlueTokens.Core.SecretScanning;
using BlueTokens.Core.Storage;
using BlueTokens.Core.Tokens;
using BlueTokens.Core.Usage;
using BlueTokens.Core.Validation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BlueTokens.Core;

public static class ServiceCollectionExtensions
{
    /// <summary>
    /// The one composition root of the service: the Functions worker's Program.cs and LocalHost both call it,
    /// so the two hosts run the same object graph. Every options class is validated at start-up.
    /// </summary>
    public static IServiceCollection AddBlueTokenCore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);

        services.TryAddSingleton(TimeProvider.System);

        AddValidatedOptions<TokenOptions, TokenOptionsValidator>(services, configuration.GetSection(TokenOptions.Section));
        AddValidatedOptions<AuthOptions, AuthOptionsValidator>(services, configuration.GetSection(AuthOptions.Section));
        AddValidatedOptions<RedisOptions, RedisOptionsValidator>(services, configuration.GetSection(RedisOptions.Section));
        services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();
        services.AddOptions<StorageOptions>().Configure(options => options.ReadFrom(configuration)).ValidateOnStart();

        AddValidatedOptions<TenantOptions, TenantOptionsValidator>(services, configuration.GetSection(TenantOptions.Section));
        AddValidatedOptions<CacheOptions, CacheOptionsValidator>(services, configuration.GetSection(CacheOptions.Section));
        AddValidatedOptions<ValidateOptions, ValidateOptionsValidator>(services, configuration.GetSection(ValidateOptions.Section));
        AddValidatedOptions<ExpiryOptions, ExpiryOptionsValidator>(services, configuration.GetSection(ExpiryOptions.Section));
        AddValidatedOptions<EventOptions, EventOptionsValidator>(services, configuration.GetSection(EventOptions.Section));
        AddValidatedOptions<CorsOptions, CorsOptionsValidator>(services, configuration.GetSection(CorsOptions.Section));
        AddValidatedOptions<SecretScanningOptions, SecretScanningOptionsValidator>(services, configuration.GetSection(SecretScanningOptions.Section));

        services.AddSingleton<TokenProtector>();
        services.AddSingleton<ContinuationTokens>();
        services.AddSingleton<LifetimePolicy>();
        services.AddSingleton<ClientStore>();
        services.AddSingleton<TokenLookups>();
        services.AddSingleton<ClientEffects>();
        services.AddSingleton<ClientChanges>();
        services.AddSingleton<ClientService>();

        // Expiry and lifecycle events.
        services.AddSingleton<ExpiryIndex>();
        services.AddSingleton<ExpiryService>();
        services.AddSingleton<EventOutbox>();
        services.AddSingleton<EventQueue>();
        services.AddSingleton<LifecycleEvents>();
        services.AddHostedService<DeferredHostedService<LifecycleEvents>>();

        // Usage: counted beside last use, read by the usage endpoint, kept 90 days by the timer.
        services.AddSingleton<UsageStore>();
        services.AddSingleton<UsageLedger>();
        services.AddSingleton<UsageService>();
        services.AddSingleton<UsageRetention>();

        // The validate path and the cache it keeps in step with management writes.
        services.AddSingleton<RedisCircuit>();
        services.AddSingleton<CacheEntrySeal>();
        services.AddSingleton<ReplicaAcknowledgements>();
        services.AddSingleton<TokenCache>();
        services.AddSingleton<PendingInvalidationStore>();
        services.AddSingleton<CacheSync>();
        services.AddHostedService<DeferredHostedService<CacheSync>>();
        services.AddSingleton<LastUseRecorder>();
        services.AddSingleton<LocalFailureBudget>();
        services.AddSingleton<LocalAnswers>();
        services.AddSingleton<KeyRewrap>();
        services.AddHostedService<DeferredHostedService<LastUseRecorder>>();
        services.TryAddSingleton<IValidationObserver, NoValidationObserver>();
        services.AddMetrics();
        services.AddSingleton<ValidationMetrics>();
        services.AddSingleton<TokenValidator>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<AdminAuthenticator>();
        services.AddSingleton<RedisConnection>();
        services.AddSingleton<RedisSignIn>();
        // Redis's Entra ID sign-in credential, keyed so that it is Redis's alone; tests register their own under the key.
        services.TryAddKeyedSingleton<TokenCredential>(RedisSignIn.CredentialKey, (provider, _) =>
            RedisCredential(provider.GetRequiredService<IOptions<RedisOptions>>().Value));
        services.AddSingleton(provider => StorageClients.Tables(StorageSettings(provider)));
        // Base64 messages: what an Azure Functions queue trigger reads by default.
        services.AddSingleton(provider => StorageClients.Queues(StorageSettings(provider), new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }));
        services.AddSingleton<StorageTables>();
        services.AddSingleton<HealthService>();

        // Secret scanning reports (GitHub's partner protocol): the keys that sign them, and the revocations they cause.
        services.TryAddKeyedSingleton(SecretScanningKeys.HttpClientKey, (_, _) => SecretScanningKeys.NewHttpClient());
        services.AddSingleton<SecretScanningKeys>();
        services.AddSingleton<LeakedTokenReports>();
        return services;
    }

    // The app's managed identity, as TokenStorage's identity form uses it: the user-assigned one where a client id
    // is given. Building it does no I/O; only asking for a token does, which the connection-string form never does.
    private static ManagedIdentityCredential RedisCredential(RedisOptions options) => new(
        string.IsNullOrWhiteSpace(options.ClientId) ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(options.ClientId));

    private static StorageOptions StorageSettings(IServiceProvider provider) => provider.GetRequiredService<IOptions<StorageOptions>>().Value;

    private static void AddValidatedOptions<TOptions, TValidator>(IServiceCollection services, IConfigurationSection section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        services.AddOptions<TOptions>().Bind(section).ValidateOnStart();
    }
}
