using System.Net;
using Akka.Actor;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Dsl;
using Cosocket.Actors.Connections;

namespace Cosocket.Actors.Client;

/// <summary>A client connection: the handshake is done on the raw stream before the graph exists, so
/// the graph is transport ⇄ framing, starting with any bytes read past the response head.</summary>
internal sealed class ClientConnection : FrameConnection
{
    private ClientConnection(string id, EndPoint? remote, IActorRef self, GraphParts graph)
        : base(id, remote, self, graph.Outgoing, graph.Incoming, graph.Framing, graph.Transport)
    {
    }

    public static ClientConnection Start(string id, EndPoint? remote, IActorRef self, Stream stream, Action shutdownSend,
        ByteString alreadyRead, long maxRecvLen, IMaterializer materializer)
    {
        var passThrough = BidiFlow.FromFlows(Flow.Create<ByteString>(), Flow.Create<ByteString>());
        var (outgoing, incoming, framing, _, transport) = Materialize(passThrough, stream, shutdownSend, alreadyRead,
            forceMasking: false, maxRecvLen, materializer);
        return new ClientConnection(id, remote, self, new GraphParts(outgoing, incoming, framing, transport));
    }

    private sealed record GraphParts(Pipeline.OutgoingQueue Outgoing, Pipeline.IncomingQueue Incoming, Pipeline.FramingControl Framing, Transport.TransportHandle Transport);
}
