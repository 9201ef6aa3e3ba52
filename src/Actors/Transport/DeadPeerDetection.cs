using System.Net.Sockets;

namespace Cosocket.Actors.Transport;

/// <summary>
/// Detects a peer that vanished without closing, within a bound, with TCP's own machinery: no timer
/// per connection in this process, nothing sent while the peer is reachable and quiet. Cosocket's
/// listener applies it to every accepted socket; a host whose own server accepts them (Kestrel)
/// applies it in a connection middleware.
/// </summary>
public static class DeadPeerDetection
{
    /// <summary>Keepalive probes that go unanswered before the kernel ends the connection.</summary>
    public const int Probes = 4;

    // <netinet/tcp.h>: the time sent data may stay unacknowledged before the connection is dropped.
    private const int TcpUserTimeout = 18;

    /// <summary>The keepalive idle time and probe interval, in whole seconds, whose sum with
    /// <see cref="Probes"/> probes stays within <paramref name="timeout"/>.</summary>
    public static (int IdleSeconds, int IntervalSeconds) Timing(TimeSpan timeout)
    {
        int total = (int)timeout.TotalSeconds;
        return (Math.Max(1, total / 2), Math.Max(1, total / (2 * Probes)));
    }

    /// <summary>TCP keepalive probes within <paramref name="timeout"/>, and unacknowledged data given up after it (Linux).</summary>
    public static void Apply(Socket socket, TimeSpan timeout)
    {
        var (idle, interval) = Timing(timeout);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, idle);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, interval);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, Probes);
        if (OperatingSystem.IsLinux())
            socket.SetRawSocketOption((int)SocketOptionLevel.Tcp, TcpUserTimeout, BitConverter.GetBytes((int)timeout.TotalMilliseconds));
    }
}
