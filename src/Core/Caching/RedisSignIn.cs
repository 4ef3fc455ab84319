using System.Security.Cryptography;
using Azure.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using StackExchange.Redis.Configuration;

namespace BlueTokens.Core.Caching;

/// <summary>
/// Microsoft Entra ID sign-in to Azure Managed Redis, which takes no access key: the user name is the identity's
/// object id and the password an access token for <see cref="Scope"/>, renewed well before it expires. Inert in the
/// connection-string form.
/// </summary>
/// <remarks>
/// How every connection gets the newest token: StackExchange.Redis keeps the <see cref="ConfigurationOptions"/>
/// instance it is given (not a copy) and its handshake reads <see cref="ConfigurationOptions.User"/> and
/// <see cref="ConfigurationOptions.Password"/> afresh for each physical connection, first connect and every
/// reconnect alike. Left unset, those two fall back to <see cref="ConfigurationOptions.Defaults"/>, a
/// <see cref="DefaultOptionsProvider"/> whose <c>User</c> and <c>Password</c> are virtual: ours answers with the
/// current token. (A <c>Clone</c> of the options would share the provider, so this holds even for a copy; and
/// the token never enters the options' own fields, so their <c>ToString</c> cannot print it.) Connections already open are signed in again after each renewal (<c>AUTH</c> on each server),
/// and the provider's <c>AfterConnectAsync</c> hands us each multiplexer to do that on. StackExchange.Redis opens a
/// second, subscription connection per server as soon as anything subscribes, its own configuration channel
/// included; <c>IServer.Execute</c> cannot reach that one, so it would be left on an expiring token. The service uses
/// no pub/sub, so the command map leaves the subscribe commands out: the library subscribes to nothing and opens no
/// such connection, and a subscribe in code fails. (In StackExchange.Redis 3.4 that failed attempt still opens the
/// connection, idle; closed at its token's expiry, it would reconnect with the current token.)
/// </remarks>
internal sealed partial class RedisSignIn : IAsyncDisposable
{
    /// <summary>The DI key of the <see cref="TokenCredential"/> used here; tests register their own under it.</summary>
    public const string CredentialKey = "Redis";

    public const string Scope = "https://redis.azure.com/.default";

    /// <summary>Renewal falls at a random point between these fractions of the token's remaining lifetime.</summary>
    internal const double EarliestRenewal = 0.70, LatestRenewal = 0.85;

    // A token handed out again from a cache near its end must not be asked for in a tight loop.
    internal static readonly TimeSpan MinimumRenewalDelay = TimeSpan.FromSeconds(1);
    internal static readonly TimeSpan MaximumRetryDelay = TimeSpan.FromMinutes(1);

    // How long the first use of Redis waits for the first token: as long as it would for a slow connect, about. Past
    // it, it connects anyway; the connection fails to sign in, and its reconnect does once a token has come.
    private static readonly TimeSpan FirstTokenWait = TimeSpan.FromSeconds(5);

    private static readonly TokenRequestContext TokenRequest = new([Scope]);

    // Without SUBSCRIBE the multiplexer does not subscribe to its configuration channel, so opens no subscription connection.
    private static readonly CommandMap NoPubSub = CommandMap.Create(
        ["SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE"], available: false);

    private readonly RedisOptions _options;
    private readonly TokenCredential _credential;
    private readonly TimeProvider _time;
    private readonly ILogger<RedisSignIn> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _firstAttempt = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _lock = new();
    private readonly List<ConnectionMultiplexer> _multiplexers = [];
    private volatile RedisAccessToken? _current;
    private Task? _renewals;

    public RedisSignIn(
        IOptions<RedisOptions> options,
        [FromKeyedServices(CredentialKey)] TokenCredential credential,
        TimeProvider time,
        ILogger<RedisSignIn> logger)
    {
        _options = options.Value;
        _credential = credential;
        _time = time;
        _logger = logger;
    }

    /// <summary>The token connections sign in with now; null before the first one arrives.</summary>
    internal RedisAccessToken? Current => _current;

    /// <summary>In the Entra ID form, makes <paramref name="configuration"/> (parsed from the endpoint) use TLS and sign in with the current token.</summary>
    public void Configure(ConfigurationOptions configuration)
    {
        if (!_options.UsesEntraId)
        {
            return;
        }

        configuration.Ssl = _options.UseTls;
        configuration.CommandMap = NoPubSub;
        configuration.Defaults = new SignInDefaults(this);
    }

    /// <summary>
    /// In the Entra ID form, fetches the first token (waiting a bounded time for it) and starts the renewals; call
    /// before connecting. Never throws for the credential: a failure is logged and retried in the background.
    /// </summary>
    public async Task SignInAsync()
    {
        if (!_options.UsesEntraId)
        {
            return;
        }

        // Once for all: every multiplexer configured here calls this before it connects.
        lock (_lock)
        {
            _renewals ??= Task.Run(() => RenewAsync(_stopping.Token));
        }

        try
        {
            await _firstAttempt.Task.WaitAsync(FirstTokenWait, _time);
        }
        catch (TimeoutException)
        {
            LogFirstTokenLate(_logger, FirstTokenWait);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_renewals is not null)
        {
            await _renewals;
        }

        _stopping.Dispose();
    }

    /// <summary>When to renew a token that has <paramref name="remaining"/> left: at <paramref name="fraction"/> of it.</summary>
    internal static TimeSpan RenewalDelay(TimeSpan remaining, double fraction) =>
        remaining * fraction > MinimumRenewalDelay ? remaining * fraction : MinimumRenewalDelay;

    /// <summary>
    /// Back-off after <paramref name="failures"/> failed renewals in a row: 2 s, 4 s, 8 s and so on up to a minute,
    /// each cut by up to half (<paramref name="jitter"/> from 0 to 1) so that instances do not retry in step.
    /// </summary>
    internal static TimeSpan RetryDelay(int failures, double jitter)
    {
        double ceiling = Math.Min(Math.Pow(2, Math.Clamp(failures, 1, 30)), MaximumRetryDelay.TotalSeconds);
        return TimeSpan.FromSeconds(ceiling * (0.5 + (jitter / 2)));
    }

    // A fresh draw for every renewal, from the cryptographic RNG like all randomness here: instances started
    // together drift apart instead of asking Entra ID (and signing in to Redis) in step.
    private static double RandomFraction() => RandomNumberGenerator.GetInt32(0, 10_001) / 10_000d;

    private async Task RenewAsync(CancellationToken stopping)
    {
        int failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            TimeSpan delay;
            RedisAccessToken? renewed = null;
            try
            {
                renewed = await FetchAsync(stopping);
                failures = 0;
                _current = renewed;
                TimeSpan remaining = renewed.ExpiresOn - _time.GetUtcNow();
                delay = RenewalDelay(remaining, EarliestRenewal + ((LatestRenewal - EarliestRenewal) * RandomFraction()));
                LogTokenRenewed(_logger, renewed.ExpiresOn, delay);
                _firstAttempt.TrySetResult();
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Whatever the credential throws (unavailable, refused, a token without oid): keep the token we have,
                // which may well outlive the outage, and try again after a while.
                failures++;
                delay = RetryDelay(failures, RandomFraction());
                RedisAccessToken? kept = _current;
                if (kept is not null && kept.ExpiresOn > _time.GetUtcNow())
                {
                    LogRenewalFailed(_logger, e, failures, kept.ExpiresOn, delay);
                }
                else
                {
                    LogNoValidToken(_logger, e, failures, delay);
                }

                _firstAttempt.TrySetResult();
            }

            if (renewed is not null)
            {
                await ReauthenticateAsync(renewed);
            }

            try
            {
                await Task.Delay(delay, _time, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<RedisAccessToken> FetchAsync(CancellationToken cancellationToken)
    {
        AccessToken token = await _credential.GetTokenAsync(TokenRequest, cancellationToken);
        string objectId = RedisAccessToken.ReadObjectId(token.Token)
            ?? throw new InvalidOperationException($"The access token for {Scope} carries no oid claim to sign in to Redis with.");
        return new RedisAccessToken(objectId, token.Token, token.ExpiresOn);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis access token renewed: it expires at {ExpiresOn:O}, the next renewal is due in {RenewIn}")]
    private static partial void LogTokenRenewed(ILogger logger, DateTimeOffset expiresOn, TimeSpan renewIn);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis access token renewal failed ({Failures} in a row); the current token, valid until {ExpiresOn:O}, is kept; retrying in {RetryIn}")]
    private static partial void LogRenewalFailed(ILogger logger, Exception exception, int failures, DateTimeOffset expiresOn, TimeSpan retryIn);

    [LoggerMessage(Level = LogLevel.Error, Message = "No valid Redis access token: getting one failed ({Failures} in a row); Redis cannot be signed in to until it succeeds; retrying in {RetryIn}")]
    private static partial void LogNoValidToken(ILogger logger, Exception exception, int failures, TimeSpan retryIn);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No Redis access token within {Wait}; connecting anyway, the connection signs in once one has come")]
    private static partial void LogFirstTokenLate(ILogger logger, TimeSpan wait);
}
