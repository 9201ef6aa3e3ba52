using System.Collections.Immutable;
using System.Net;
using System.Threading.Channels;
using Akka.Actor;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Dsl;
using Cosocket.Actors.Pipeline;
using Cosocket.Actors.Transport;
using Cosocket.Protocol.Framing;

namespace Cosocket.Actors.Server;

/// <summary>
/// One connection's materialized graph — transport ⇄ handshake ⇄ framing — and what its users share:
/// the outgoing frame channel, the incoming results, the read progress and the deadlines. The
/// connection actor owns it; the seed API object (<see cref="WebSocketServer"/>) uses it directly,
/// so frames do not pass through the actor's mailbox.
/// </summary>
internal sealed class ConnectionCore
{
    /// <summary>Frames queued by senders before a send waits (the framing stage takes more as it writes).</summary>
    private const int OutgoingCapacity = 64;
    /// <summary>Decoded results waiting for a receiver before the stream stops reading the socket.</summary>
    private const int IncomingCapacity = 16;

    private readonly Channel<OutgoingFrame> _outgoing;
    private ImmutableArray<IActorRef> _subscribers = [];

    private ConnectionCore(ServerOptions options, string id, EndPoint? remote, IActorRef self, Channel<OutgoingFrame> outgoing, ChannelReader<DecodeResult> incoming,
        FramingControl framing, HandshakeControl handshake, TransportHandle transport)
    {
        Options = options;
        Id = id;
        RemoteEndPoint = remote;
        Self = self;
        _outgoing = outgoing;
        Incoming = incoming;
        Framing = framing;
        Handshake = handshake;
        Transport = transport;
        // Frames still queued when the connection ends were never written: say so to their senders.
        transport.Closed.ContinueWith(_ => CompleteOutgoing(), TaskScheduler.Default);
    }

    /// <summary>The listener's options: what <c>new</c> uses when its caller gives none.</summary>
    public ServerOptions Options { get; }

    public string Id { get; }
    public EndPoint? RemoteEndPoint { get; }
    public IActorRef Self { get; }
    public ChannelReader<DecodeResult> Incoming { get; }
    public FramingControl Framing { get; }
    public HandshakeControl Handshake { get; }
    public TransportHandle Transport { get; }
    public OperationDeadlines Deadlines { get; } = new();

    public ImmutableArray<IActorRef> Subscribers => _subscribers;

    public void Subscribe(IActorRef subscriber) => ImmutableInterlocked.Update(ref _subscribers, s => s.Contains(subscriber) ? s : s.Add(subscriber));

    public void Unsubscribe(IActorRef subscriber) => ImmutableInterlocked.Update(ref _subscribers, s => s.Remove(subscriber));

    /// <summary>Materializes the connection's graph over <paramref name="stream"/>.</summary>
    public static ConnectionCore Start(string id, EndPoint? remote, IActorRef self, Stream stream, Action shutdownSend,
        ServerOptions options, IMaterializer materializer)
    {
        var outgoing = Channel.CreateBounded<OutgoingFrame>(new BoundedChannelOptions(OutgoingCapacity) { SingleReader = true });
        var framing = BidiFlow.FromGraph(new FramingStage(forceMasking: true));
        var handshake = BidiFlow.FromGraph(new HandshakeStage(options.MaxHeaderLen));
        var transport = Flow.FromGraph(new StreamTransportStage(stream, shutdownSend));

        var protocol = framing.AtopMat(handshake, Keep.Both).JoinMat(transport, Keep.Both);
        var (((framingControl, control), handle), incoming) = ChannelSource.FromReader(outgoing.Reader)
            .ViaMaterialized(protocol, Keep.Right)
            .ToMaterialized(ChannelSink.AsReader<DecodeResult>(IncomingCapacity), Keep.Both)
            .Run(materializer);
        return new ConnectionCore(options, id, remote, self, outgoing, incoming, framingControl, control, handle);
    }

    /// <summary>Queues an encoded frame; the task completes with its byte count once it is written.</summary>
    public async Task<int> WriteAsync(byte[] frame, CancellationToken cancellation)
    {
        var written = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _outgoing.Writer.WriteAsync(new OutgoingFrame(ByteString.FromBytes(frame), written), cancellation).ConfigureAwait(false);
        return await written.Task.WaitAsync(cancellation).ConfigureAwait(false);
    }

    /// <summary>No more frames: what is queued is written, then the sending side is shut down.</summary>
    public void CompleteOutgoing()
    {
        _outgoing.Writer.TryComplete();
        if (Transport.Closed.IsCompleted)
        {
            while (_outgoing.Reader.TryRead(out var frame))
                frame.Written?.TrySetException(new TransportClosedException());
        }
    }
}
