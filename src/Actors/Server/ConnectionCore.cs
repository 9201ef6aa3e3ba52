using System.Net;
using Akka.Actor;
using Akka.Streams;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Pipeline;
using Cosocket.Actors.Sessions;

namespace Cosocket.Actors.Server;

/// <summary>What the server side adds to a <see cref="FrameConnection"/> until and after its upgrade:
/// how the upgrade request is answered, the listener's options and registry, the TLS server name, and
/// who the connection was authenticated as.</summary>
internal sealed class ConnectionCore
{
    /// <summary>Told to the connection's actor once the 101 has been written.</summary>
    internal sealed record Upgraded(string Path, ServerOptions Options);

    private ConnectionCore(FrameConnection connection, HandshakeAnswer handshake, ServerOptions options, IActorRef registry, string? serverName)
    {
        Connection = connection;
        Handshake = handshake;
        Options = options;
        Registry = registry;
        ServerName = serverName;
    }

    public FrameConnection Connection { get; }

    public string Id => Connection.Id;

    public EndPoint? RemoteEndPoint => Connection.RemoteEndPoint;

    public IActorRef Self => Connection.Self;

    /// <summary>The listener's options: what <c>new</c> uses when its caller gives none.</summary>
    public ServerOptions Options { get; }

    public HandshakeAnswer Handshake { get; }

    /// <summary>Who the connection was authenticated as before its upgrade; null when anonymous.</summary>
    public ConnectionIdentity? Identity { get; set; }

    /// <summary>The server name the client sent in TLS (SNI), or null.</summary>
    public string? ServerName { get; }

    /// <summary>The listener's registry, which the connection joins once upgraded.</summary>
    public IActorRef Registry { get; }

    /// <summary>Refuses the upgrade with <paramref name="error"/>'s status and text (counted by status);
    /// the connection then closes.</summary>
    public Task RejectAsync(Cosocket.Protocol.Handshake.HandshakeError error) => Handshake.RejectAsync(error);

    /// <summary>Materializes the connection's graph over <paramref name="stream"/>, handshake stage
    /// included: <paramref name="arrival"/> is the request head it reads.</summary>
    public static ConnectionCore Start(string id, EndPoint? remote, IActorRef self, IActorRef registry, Stream stream, Action shutdownSend,
        ServerOptions options, IMaterializer materializer, string? serverName, out Task<HandshakeArrival> arrival)
    {
        var (connection, handshake) = FrameConnection.StartServer(id, remote, self, stream, shutdownSend, options.MaxHeaderLen, options.EffectiveMaxRecvLen, materializer);
        arrival = handshake.Arrival;
        return new ConnectionCore(connection, handshake, options, registry, serverName);
    }

    /// <summary>Materializes a hosted connection's graph: <paramref name="upgrade"/>, the host's HTTP
    /// server, answers the request and hands over the stream once it has written the 101;
    /// <paramref name="finished"/> completes once this side has finished sending.</summary>
    public static ConnectionCore StartHosted(string id, IActorRef self, IActorRef registry, IHttpUpgrade upgrade, ServerOptions options, IMaterializer materializer,
        TaskCompletionSource finished)
    {
        var connection = FrameConnection.StartHosted(id, upgrade.RemoteEndPoint, self, options.EffectiveMaxRecvLen, materializer);
        return new ConnectionCore(connection, new HostedAnswer(upgrade, connection.Transport, finished), options, registry, serverName: null);
    }
}
