using System.Net;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using StackExchange.Redis.Configuration;

namespace BlueTokens.Core.Caching;

/// <summary>The connections side of the sign-in: what each handshake reads, and signing open connections in again.</summary>
internal sealed partial class RedisSignIn
{
    /// <summary>
    /// Signs the open connections in again with the renewed token, so that none is left on one about to expire.
    /// A server that is not connected needs nothing: its reconnect signs in with the current token.
    /// </summary>
    private async Task ReauthenticateAsync(RedisAccessToken token)
    {
        ConnectionMultiplexer[] multiplexers;
        lock (_lock)
        {
            multiplexers = [.. _multiplexers];
        }

        foreach (IServer server in multiplexers.SelectMany(multiplexer => multiplexer.GetServers()))
        {
            if (!server.IsConnected)
            {
                continue;
            }

            try
            {
                // The arguments are values, not keys, so no exception message of the library repeats them.
                await server.ExecuteAsync("AUTH", token.User, token.Password);
                LogReauthenticated(_logger, server.EndPoint);
            }
            catch (Exception e)
            {
                // Whatever the reason (refused, timed out, disconnected meanwhile, disposed), the renewals must go on:
                // left as it is, the connection keeps the old token until it drops, and its reconnect uses the new one.
                LogReauthenticationFailed(_logger, e, server.EndPoint);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Redis connection to {Endpoint} signed in again with the renewed token")]
    private static partial void LogReauthenticated(ILogger logger, EndPoint endpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis connection to {Endpoint} could not sign in again with the renewed token; it keeps the old one until it reconnects")]
    private static partial void LogReauthenticationFailed(ILogger logger, Exception exception, EndPoint endpoint);

    /// <summary>
    /// The defaults StackExchange.Redis gives Azure Managed Redis (TLS, RESP3, no configuration channel), and the
    /// current token as user and password wherever the configuration sets none.
    /// </summary>
    private sealed class SignInDefaults(RedisSignIn signIn) : AzureManagedRedisOptionsProvider
    {
        // Read one at a time by the handshake; a renewal in between changes only the password, since the object id
        // of one identity does not change.
        public override string? User => signIn._current?.User;

        public override string? Password => signIn._current?.Password;

        // Every multiplexer connected with these options (or a Clone of them, which shares the provider).
        public override Task AfterConnectAsync(ConnectionMultiplexer multiplexer, Action<string> log)
        {
            lock (signIn._lock)
            {
                signIn._multiplexers.Add(multiplexer);
            }

            return Task.CompletedTask;
        }
    }
}
