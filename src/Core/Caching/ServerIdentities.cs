using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace BlueTokens.Core.Caching;

/// <summary>
/// Which Redis server stands behind each endpoint of one multiplexer, as this process last checked it. A cached
/// answer is trusted only from a server whose identity (its <c>run_id</c> and replication id, as an identity tag)
/// was checked on the very connection that answered, and only under a generation that carries that tag: a
/// restarted server, a replica promoted after a failover, or a managed endpoint moved to another node is another
/// server, whose data may lack revocations its predecessor acknowledged, so its cache counts as empty until the
/// generation is renewed under its tag.
/// </summary>
/// <remarks>
/// Every new socket to an endpoint bumps its connect count (StackExchange.Redis calls
/// <see cref="OnConnecting"/> before the socket connects, so before any reply can come over it); a check is
/// kept only if no socket was opened while it ran. A reply is then trusted only where the endpoint's count still
/// equals its check's: a reply from a newer connection can never ride on an older check. Checks are also
/// renewed every <see cref="RecheckAfter"/>, for role changes that keep their connections.
/// </remarks>
internal sealed partial class ServerIdentities(TimeProvider time, ILogger logger)
{
    public static readonly TimeSpan RecheckAfter = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<EndPoint, EndpointState> _states = new();

    /// <summary>Called by the multiplexer before every new socket (see <see cref="ConfigurationOptions.BeforeSocketConnect"/>).</summary>
    public void OnConnecting(EndPoint endpoint, ConnectionType type)
    {
        if (type != ConnectionType.Subscription)
        {
            Interlocked.Increment(ref StateOf(endpoint).Connects);
        }
    }

    /// <summary>Sockets opened to the endpoint so far: read before a command is sent, for <see cref="TrustedTag(IServer, long)"/>.</summary>
    public long Connects(IServer server) => _states.TryGetValue(server.EndPoint, out EndpointState? state) ? Volatile.Read(ref state.Connects) : -1;

    /// <summary>
    /// The identity tag of the server behind <paramref name="server"/>'s endpoint, where no socket was opened since
    /// <paramref name="connectsBefore"/> (read before the command whose reply is judged was sent) and the server was
    /// checked on that same connection; null where it was not (call <see cref="CheckAsync"/>, then ask again).
    /// Lock-free: read on every cache hit.
    /// </summary>
    public string? TrustedTag(IServer server, long connectsBefore)
    {
        if (!_states.TryGetValue(server.EndPoint, out EndpointState? state) || state.Checked is not { } check
            || check.Connects != connectsBefore || Volatile.Read(ref state.Connects) != connectsBefore)
        {
            return null;
        }

        if (time.GetElapsedTime(check.At) > RecheckAfter)
        {
            _ = CheckAsync(server); // renewed in the background; the answer stays trusted meanwhile
        }

        return check.Tag;
    }

    /// <summary>The tag checked on the connection in use now, if any.</summary>
    public string? TrustedTag(IServer server) => TrustedTag(server, Connects(server));

    /// <summary>
    /// Checks the server behind an endpoint (one INFO), once at a time per endpoint; gives its tag, or null where
    /// it could not be checked (the caller treats Redis as unavailable).
    /// </summary>
    public Task<string?> CheckAsync(IServer server)
    {
        EndpointState state = StateOf(server.EndPoint);
        lock (state)
        {
            if (state.Checking is { IsCompleted: false } running)
            {
                return running;
            }

            return state.Checking = RunCheckAsync(server, state);
        }
    }

    private async Task<string?> RunCheckAsync(IServer server, EndpointState state)
    {
        for (int attempt = 0; attempt < 3; attempt++)
        {
            long connects = Volatile.Read(ref state.Connects);
            string info;
            try
            {
                info = await server.InfoRawAsync("server") + await server.InfoRawAsync("replication");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogCheckFailed(logger, server.EndPoint, e.GetType().Name);
                return null;
            }

            if (connects != Volatile.Read(ref state.Connects))
            {
                continue; // a socket was opened while we asked: this answer may be the old server's
            }

            string tag = Tag(Field(info, "run_id"), Field(info, "master_replid"));
            Check? previous = state.Checked;
            state.Checked = new Check(connects, tag, time.GetTimestamp());
            if (previous is not null && previous.Tag != tag)
            {
                LogServerChanged(logger, server.EndPoint, previous.Tag, tag);
            }

            return tag;
        }

        return null;
    }

    /// <summary>12 hex digits of SHA-256 over the server's run id and replication id.</summary>
    internal static string Tag(string runId, string replicationId) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes($"{runId}|{replicationId}")))[..12];

    internal static string Field(string info, string name)
    {
        string prefix = name + ":";
        foreach (string line in info.Split('\n'))
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line[prefix.Length..].Trim();
            }
        }

        return "";
    }

    private EndpointState StateOf(EndPoint endpoint) => _states.GetOrAdd(endpoint, _ => new EndpointState());

    private sealed class EndpointState
    {
        public long Connects;
        public volatile Check? Checked;
        public Task<string?>? Checking;
    }

    private sealed record Check(long Connects, string Tag, long At);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis at {Endpoint} is another server than before (identity {Previous} -> {Current}): its cached entries are not trusted until renewed")]
    private static partial void LogServerChanged(ILogger logger, EndPoint endpoint, string previous, string current);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis at {Endpoint} could not be identified ({Error})")]
    private static partial void LogCheckFailed(ILogger logger, EndPoint endpoint, string error);
}
