using System.Net;
using System.Net.Sockets;

namespace BlueTokens.IntegrationTests.Infrastructure;

/// <summary>
/// A TCP relay on a free loopback port, forwarding each connection it accepts to a target port: the network
/// between a client and a server, with the faults a managed Redis shows. <see cref="Hold"/> is a partition that
/// keeps connections open (bytes wait, nothing is lost); <see cref="SwitchTarget"/> and <see cref="DropAll"/> are
/// an endpoint that moves to another server. Every method is safe to call from any thread at any time.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private readonly HashSet<Connection> _connections = [];
    private readonly Task _accepting;
    private TaskCompletionSource _released = Released();
    private int _targetPort;
    private long _accepted;
    private int _disposed;

    private TcpRelay(int targetPort)
    {
        _targetPort = targetPort;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _accepting = AcceptAsync();
    }

    /// <summary>Listens on a port the system picks (no window for another process to take it) and forwards to <paramref name="targetPort"/>.</summary>
    public static TcpRelay Start(int targetPort) => new(targetPort);

    /// <summary>Where clients connect.</summary>
    public int Port { get; }

    /// <summary>Where new connections go.</summary>
    public int TargetPort => Volatile.Read(ref _targetPort);

    public bool IsHeld
    {
        get
        {
            lock (_lock)
            {
                return !_released.Task.IsCompleted;
            }
        }
    }

    /// <summary>Connections open now.</summary>
    public int ConnectionCount
    {
        get
        {
            lock (_lock)
            {
                return _connections.Count;
            }
        }
    }

    /// <summary>Connections accepted since the start: a client that reconnected shows here.</summary>
    public long AcceptedCount => Interlocked.Read(ref _accepted);

    /// <summary>
    /// Stops forwarding in both directions, on current connections and on any accepted while held. Anything that
    /// reaches the relay from now on waits (a chunk in the relay, the rest in the sockets' buffers, so a sender of
    /// more than a few hundred KB blocks, as TCP would) and is delivered in order by <see cref="Release"/>.
    /// Connections stay open; a peer notices nothing but silence, until its own timeouts.
    /// </summary>
    public void Hold()
    {
        lock (_lock)
        {
            if (_released.Task.IsCompleted)
            {
                _released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Forwards again, first everything held.</summary>
    public void Release()
    {
        lock (_lock)
        {
            _released.TrySetResult();
        }
    }

    /// <summary>New connections go to <paramref name="port"/>; open ones stay where they are (see <see cref="DropAll"/>).</summary>
    public void SwitchTarget(int port) => Volatile.Write(ref _targetPort, port);

    /// <summary>Resets every open connection on both sides (TCP RST), dropping any bytes held for them.</summary>
    public void DropAll()
    {
        Connection[] open;
        lock (_lock)
        {
            open = [.. _connections];
        }

        foreach (Connection connection in open)
        {
            connection.Abort();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync();
        _listener.Dispose();
        await _accepting;
        Task[] running;
        lock (_lock)
        {
            running = [.. _connections.Select(connection => connection.Completion)];
        }

        DropAll();
        await Task.WhenAll(running);
        _stopping.Dispose();
    }

    private static TaskCompletionSource Released()
    {
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        released.SetResult();
        return released;
    }

    private Task WhenReleased()
    {
        lock (_lock)
        {
            return _released.Task;
        }
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception e) when (_stopping.IsCancellationRequested && e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            Interlocked.Increment(ref _accepted);
            var connection = new Connection(this, client);
            lock (_lock)
            {
                _connections.Add(connection);
            }

            connection.Start(TargetPort);
        }
    }

    private void Forget(Connection connection)
    {
        lock (_lock)
        {
            _connections.Remove(connection);
        }
    }

    /// <summary>One accepted client and its own connection to the target, pumped both ways.</summary>
    private sealed class Connection(TcpRelay relay, Socket client)
    {
        private readonly Socket _upstream = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private readonly TaskCompletionSource _dropped = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _closed;

        public Task Completion { get; private set; } = Task.CompletedTask;

        public void Start(int targetPort) => Completion = RunAsync(targetPort);

        /// <summary>Both sides reset at once (linger 0 makes close send RST, not FIN); pending reads and sends fail.</summary>
        public void Abort()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 1)
            {
                return;
            }

            _dropped.TrySetResult();
            foreach (Socket socket in new[] { client, _upstream })
            {
                try
                {
                    socket.LingerState = new LingerOption(true, 0);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    // Already shut down: closing is all that is left.
                }

                socket.Dispose();
            }
        }

        private async Task RunAsync(int targetPort)
        {
            try
            {
                client.NoDelay = true;
                _upstream.NoDelay = true;
                await _upstream.ConnectAsync(new IPEndPoint(IPAddress.Loopback, targetPort));
                await Task.WhenAll(PumpAsync(client, _upstream), PumpAsync(_upstream, client));
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Nothing listens at the target, or the connection was dropped while connecting: the client sees a
                // reset, as at a dead endpoint.
                Abort();
            }
            finally
            {
                relay.Forget(this);
                if (Interlocked.Exchange(ref _closed, 1) == 0)
                {
                    client.Dispose();
                    _upstream.Dispose();
                }
            }
        }

        private async Task PumpAsync(Socket from, Socket to)
        {
            byte[] buffer = new byte[16 * 1024];
            try
            {
                while (true)
                {
                    int read = await from.ReceiveAsync(buffer, SocketFlags.None);
                    // Checked after the read: whatever reaches the relay once Hold has returned waits here.
                    Task released = relay.WhenReleased();
                    if (!released.IsCompleted && await Task.WhenAny(released, _dropped.Task) == _dropped.Task)
                    {
                        return;
                    }

                    if (read == 0)
                    {
                        // The peer finished sending; pass that on and keep the other direction open.
                        to.Shutdown(SocketShutdown.Send);
                        return;
                    }

                    for (int sent = 0; sent < read;)
                    {
                        sent += await to.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None);
                    }
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // One side broke or was dropped: the path is gone, so both sides go.
                Abort();
            }
        }
    }
}
