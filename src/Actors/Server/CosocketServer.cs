using System.Net;
using System.Net.Sockets;
using Akka.Actor;

namespace Cosocket.Actors.Server;

/// <summary>A listening WebSocket endpoint: where it listens, its listener and registry actors.</summary>
public sealed record ServerBinding(IPEndPoint EndPoint, IActorRef Listener, IActorRef Registry)
{
    private readonly Lock _lock = new();
    private Task<int>? _drain;

    /// <summary>
    /// Graceful shutdown: stops accepting, sends close 1001 to every connection, and waits up to
    /// <paramref name="timeout"/> for them to end; what is still open then is cut.
    /// </summary>
    /// <returns>How many connections had to be cut. Later calls return the first call's answer.</returns>
    public Task<int> DrainAsync(TimeSpan timeout)
    {
        lock (_lock)
            return _drain ??= AskDrainAsync(Listener, timeout);
    }

    internal static async Task<int> AskDrainAsync(IActorRef listener, TimeSpan timeout)
    {
        var drained = await listener.Ask<WebSocketListener.Drained>(new WebSocketListener.Drain(timeout), timeout + TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        return drained.Remaining;
    }
}

/// <summary>Starting WebSocket servers in an actor system.</summary>
public static class CosocketServer
{
    /// <summary>
    /// Listens on <paramref name="endPoint"/> (port 0: an ephemeral port, see <see cref="ServerBinding.EndPoint"/>)
    /// and serves <paramref name="routes"/>; with <paramref name="tls"/>, as <c>wss://</c>. A port
    /// already in use fails here, with the socket's error. Connection ids start with
    /// <paramref name="idPrefix"/> (in a cluster, the node's tag: see <c>CosocketCluster.NodeTag</c>).
    /// </summary>
    public static ServerBinding Bind(ActorSystem system, IPEndPoint endPoint, WebSocketRoutes routes, ServerOptions? options = null, ServerTls? tls = null,
        string idPrefix = "")
    {
        ArgumentNullException.ThrowIfNull(system);
        AssemblyPreload.LoadClosure(typeof(CosocketServer).Assembly);
        options ??= new ServerOptions();
        if (options.Validate() is { } invalid)
            throw new ArgumentException(invalid, nameof(options));

        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(endPoint);
            socket.Listen(1024);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var bound = (IPEndPoint)socket.LocalEndPoint!;
        var registry = system.ActorOf(ConnectionRegistry.Props($"{(tls is null ? "ws" : "wss")}://{bound}"), $"connections-{bound.Port}");
        var listener = system.ActorOf(WebSocketListener.Props(socket, routes, options, registry, tls, idPrefix), $"listener-{bound.Port}");
        return new ServerBinding(bound, listener, registry);
    }
}
