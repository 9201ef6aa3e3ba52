using System.Collections.Concurrent;
using System.Net;
using Akka;
using Akka.Actor;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Dsl;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Sessions;
using Cosocket.Protocol.Connection;

namespace Cosocket.Actors.Client;

/// <summary>A client connection: the handshake is done on the raw stream before the graph exists, so
/// the graph is transport ⇄ protocol stage, starting with any bytes read past the response head.</summary>
internal sealed class ClientConnection : FrameConnection
{
    /// <summary>One blueprint per receive limit.</summary>
    private static readonly ConcurrentDictionary<long, IRunnableGraph<Graph<NotUsed>>> s_blueprints = new();

    private ClientConnection(string id, EndPoint? remote, IActorRef self, Graph<NotUsed> graph)
        : base(id, remote, self, graph.Outgoing, graph.Incoming, graph.Protocol, graph.Transport)
    {
    }

    public static ClientConnection Start(string id, EndPoint? remote, IActorRef self, Stream stream, Action shutdownSend,
        ByteString alreadyRead, ClientOptions options, IMaterializer materializer)
    {
        var blueprint = s_blueprints.GetOrAdd(options.EffectiveMaxRecvLen, limit =>
            Blueprint(BidiFlow.FromFlows(Flow.Create<ByteString>(), Flow.Create<ByteString>()),
                new ClientOptions { MaxRecvLen = limit }.ToProtocolSettings(Role.Client, masked: true)));
        return new ClientConnection(id, remote, self,
            Run(blueprint, stream, shutdownSend, alreadyRead, materializer, (options, Role.Client, !options.SendUnmasked)));
    }
}
