using System.Collections.Immutable;
using System.Net;
using System.Runtime.InteropServices;
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
/// so frames do not pass through the actor's mailbox, nor through the thread pool: received frames
/// and write completions resume their waiters on the stream's own thread.
/// </summary>
internal sealed class ConnectionCore
{
    private readonly OutgoingQueue _outgoing;
    private ImmutableArray<IActorRef> _subscribers = [];

    private ConnectionCore(ServerOptions options, string id, EndPoint? remote, IActorRef self, OutgoingQueue outgoing, IncomingQueue incoming,
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
    }

    /// <summary>The listener's options: what <c>new</c> uses when its caller gives none.</summary>
    public ServerOptions Options { get; }

    public string Id { get; }
    public EndPoint? RemoteEndPoint { get; }
    public IActorRef Self { get; }
    public IncomingQueue Incoming { get; }
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
        var framing = BidiFlow.FromGraph(new FramingStage(forceMasking: true));
        var handshake = BidiFlow.FromGraph(new HandshakeStage(options.MaxHeaderLen));
        var transport = Flow.FromGraph(new StreamTransportStage(stream, shutdownSend));

        var protocol = framing.AtopMat(handshake, Keep.Both).JoinMat(transport, Keep.Both);
        var ((outgoing, ((framingControl, control), handle)), incoming) = Source.FromGraph(new OutgoingQueueStage())
            .ViaMaterialized(protocol, Keep.Both)
            .ToMaterialized(Sink.FromGraph(new IncomingQueueStage()), Keep.Both)
            .Run(materializer);
        return new ConnectionCore(options, id, remote, self, outgoing, incoming, framingControl, control, handle);
    }

    /// <summary>
    /// Encodes and queues a frame; the task completes with its byte count (header included) once it
    /// is written. Validation is the caller's (<see cref="FrameEncoder.ValidateSend"/>).
    /// </summary>
    public async Task<int> WriteAsync(bool fin, int opcode, ReadOnlyMemory<byte> payload, uint? maskKey, CancellationToken cancellation)
    {
        // The sender resumes where the write completes, on the stream thread (see IncomingQueue).
        var written = new TaskCompletionSource<int>();
        await _outgoing.WriteAsync(new OutgoingFrame(Encode(fin, opcode, payload, maskKey), written), cancellation).ConfigureAwait(false);
        return await (cancellation.CanBeCanceled ? written.Task.WaitAsync(cancellation) : written.Task).ConfigureAwait(false);
    }

    /// <summary>Payloads from this size up go out unmasked without being copied: the header is
    /// written apart and the payload's own array follows it.</summary>
    private const int ZeroCopyThreshold = 4096;

    private static ByteString Encode(bool fin, int opcode, ReadOnlyMemory<byte> payload, uint? maskKey)
    {
        if (maskKey is null && payload.Length >= ZeroCopyThreshold && MemoryMarshal.TryGetArray(payload, out var segment))
        {
            var header = new byte[FrameEncoder.GetHeaderLength(payload.Length, masked: false)];
            FrameEncoder.WriteHeader(header, fin, opcode, payload.Length, null);
            return ByteString.FromBytes(header).Concat(ByteString.FromBytes(segment));
        }
        var frame = new byte[FrameEncoder.GetHeaderLength(payload.Length, maskKey is not null) + payload.Length];
        FrameEncoder.WriteFrame(frame, fin, opcode, payload.Span, maskKey);
        return ByteString.FromBytes(frame);
    }

    /// <summary>No more frames: what is queued is written, then the sending side is shut down.</summary>
    public void CompleteOutgoing() => _outgoing.Complete();
}
