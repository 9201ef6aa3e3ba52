using System.Collections.Concurrent;
using System.Net;
using Akka.Actor;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Dsl;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Pipeline;
using Cosocket.Actors.Sessions;
using Cosocket.Actors.Transport;

namespace Cosocket.Actors.Server;

/// <summary>A server connection: the shared frame connection, its handshake stage and the listener's options.</summary>
internal sealed class ConnectionCore : FrameConnection
{
    /// <summary>One blueprint per (max_header_len, receive limit): a listener's connections share one.</summary>
    private static readonly ConcurrentDictionary<(int MaxHeaderLen, long MaxRecvLen), IRunnableGraph<Graph<HandshakeControl>>> s_blueprints = new();

    private ConnectionCore(ServerOptions options, string id, EndPoint? remote, IActorRef self, Graph<HandshakeControl> graph)
        : base(id, remote, self, graph.Outgoing, graph.Incoming, graph.Protocol, graph.Transport)
    {
        Options = options;
        Handshake = graph.Handshake;
    }

    /// <summary>The listener's options: what <c>new</c> uses when its caller gives none.</summary>
    public ServerOptions Options { get; }

    public HandshakeControl Handshake { get; }

    /// <summary>Who the connection was authenticated as before its upgrade; null when anonymous.</summary>
    public ConnectionIdentity? Identity { get; set; }

    /// <summary>The server name the client sent in TLS (SNI), or null.</summary>
    public string? ServerName { get; private init; }

    /// <summary>The listener's registry, which the connection joins once upgraded.</summary>
    public IActorRef Registry { get; private init; } = ActorRefs.Nobody;

    /// <summary>Refuses the upgrade with <paramref name="error"/>'s status and text (counted by status);
    /// the connection then closes.</summary>
    public Task RejectAsync(Cosocket.Protocol.Handshake.HandshakeError error)
    {
        CosocketTelemetry.CountHandshake(error.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return Handshake.RejectAsync(Cosocket.Protocol.Handshake.ServerHandshake.BuildRejection(error));
    }

    /// <summary>Materializes the connection's graph over <paramref name="stream"/>, handshake stage included.</summary>
    public static ConnectionCore Start(string id, EndPoint? remote, IActorRef self, IActorRef registry, Stream stream, Action shutdownSend,
        ServerOptions options, IMaterializer materializer, string? serverName = null)
    {
        var blueprint = s_blueprints.GetOrAdd((options.MaxHeaderLen, options.EffectiveMaxRecvLen), key =>
            Blueprint(BidiFlow.FromGraph(new HandshakeStage(key.MaxHeaderLen)),
                new ServerOptions { MaxRecvLen = key.MaxRecvLen }.ToProtocolSettings(Cosocket.Protocol.Connection.Role.Server, masked: false)));
        var graph = Run(blueprint, stream, shutdownSend, ByteString.Empty, materializer);
        return new ConnectionCore(options, id, remote, self, graph) { ServerName = serverName, Registry = registry };
    }
}
