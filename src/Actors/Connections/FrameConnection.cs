using System.Collections.Immutable;
using System.Net;
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Dsl;
using Cosocket.Actors.Pipeline;
using Cosocket.Actors.Transport;
using Cosocket.Protocol;
using Cosocket.Protocol.Framing;

namespace Cosocket.Actors.Connections;

/// <summary>
/// What every WebSocket connection shares, server or client: its materialized graph (transport ⇄
/// [handshake ⇄] framing), the outgoing and incoming queues, the read progress, the deadlines and the
/// subscribers. Its actor owns it; the seed API objects use it directly, so frames pass neither
/// through the actor's mailbox nor through the thread pool: received frames and write completions
/// resume their waiters on the stream's own thread.
/// </summary>
internal class FrameConnection
{
    /// <summary>Payloads from this size up go out unmasked without being copied: the header is
    /// written apart and the payload's own array follows it.</summary>
    private const int ZeroCopyThreshold = 4096;

    private readonly OutgoingQueue _outgoing;
    private ImmutableArray<IActorRef> _subscribers = [];

    protected FrameConnection(string id, EndPoint? remote, IActorRef self, OutgoingQueue outgoing, IncomingQueue incoming,
        FramingControl framing, TransportHandle transport)
    {
        Id = id;
        RemoteEndPoint = remote;
        Self = self;
        _outgoing = outgoing;
        Incoming = incoming;
        Framing = framing;
        Transport = transport;
        Deadlines = new OperationDeadlines(delay => self.Tell(new FrameConnectionActor.CheckDeadlinesIn(delay)));
        framing.RateExceeded = () => self.Tell(FrameConnectionActor.RateLimitExceeded.Instance);
    }

    public string Id { get; }
    public EndPoint? RemoteEndPoint { get; }
    public IActorRef Self { get; }
    public IncomingQueue Incoming { get; }
    public FramingControl Framing { get; }
    public TransportHandle Transport { get; }
    /// <summary>The deadlines of the pending receive and send; the actor's timer checks them.</summary>
    public OperationDeadlines Deadlines { get; }

    public ImmutableArray<IActorRef> Subscribers => _subscribers;

    /// <summary>Bytes of frames waiting to be written (counted against the outgoing budget).</summary>
    public long QueuedBytes => _outgoing.QueuedBytes;

    private volatile string? _failureReason;
    private ushort _failureCode;

    /// <summary>Why this side cut the connection (keepalive), and the close code it sent; null otherwise.</summary>
    public (ushort Code, string Reason)? Failure => _failureReason is { } reason ? (_failureCode, reason) : null;

    public void SetFailure(ushort code, string reason)
    {
        _failureCode = code;
        _failureReason = reason; // volatile: published after the code
    }

    public void Subscribe(IActorRef subscriber) => ImmutableInterlocked.Update(ref _subscribers, s => s.Contains(subscriber) ? s : s.Add(subscriber));

    public void Unsubscribe(IActorRef subscriber) => ImmutableInterlocked.Update(ref _subscribers, s => s.Remove(subscriber));

    /// <summary>The parts of a materialized connection graph.</summary>
    protected sealed record Graph<THandshake>(OutgoingQueue Outgoing, IncomingQueue Incoming, FramingControl Framing, THandshake Handshake, TransportHandle Transport);

    /// <summary>
    /// The blueprint outgoing queue → framing → <paramref name="handshake"/> → transport → framing →
    /// incoming queue. It holds no connection (the transport's stream is attached after
    /// materialization), so one blueprint serves every connection alike: building one is most of
    /// what setting up a connection would otherwise cost, and each would keep its own copy.
    /// <paramref name="maxRecvLen"/> is the receive limit until the handshake sets another.
    /// </summary>
    protected static IRunnableGraph<Graph<THandshake>> Blueprint<THandshake>(
        BidiFlow<ByteString, ByteString, ByteString, ByteString, THandshake> handshake, bool forceMasking, long maxRecvLen)
    {
        var framing = BidiFlow.FromGraph(new FramingStage(forceMasking, maxRecvLen));
        var transport = Flow.FromGraph(new StreamTransportStage());
        var protocol = framing.AtopMat(handshake, Keep.Both).JoinMat(transport, Keep.Both);
        return Source.FromGraph(new OutgoingQueueStage())
            .ViaMaterialized(protocol, Keep.Both)
            .ToMaterialized(Sink.FromGraph(new IncomingQueueStage()), (left, incoming) =>
            {
                var (outgoing, ((framingControl, handshakeControl), transportHandle)) = left;
                return new Graph<THandshake>(outgoing, incoming, framingControl, handshakeControl, transportHandle);
            });
    }

    /// <summary>Materializes <paramref name="blueprint"/> over <paramref name="stream"/>, starting with
    /// <paramref name="alreadyRead"/> (bytes read past a handshake done before the graph existed, which
    /// are decoded with the receive limits of <paramref name="options"/> when given).</summary>
    protected static Graph<THandshake> Run<THandshake>(IRunnableGraph<Graph<THandshake>> blueprint, Stream stream, Action shutdownSend,
        ByteString alreadyRead, IMaterializer materializer, FrameOptions? options = null)
    {
        var graph = blueprint.Run(materializer);
        if (options is not null)
            Configure(graph.Framing, graph.Outgoing, options);
        graph.Transport.Attach(stream, shutdownSend, alreadyRead);
        return graph;
    }

    /// <summary>
    /// Encodes and queues a frame, or, when <paramref name="payload"/> is longer than
    /// <paramref name="fragmentSize"/>, the frames of one fragmented message (RFC 6455 §5.4) as one
    /// element, so no other sender's frame lands between them. The task completes with the byte count
    /// (headers included) once written. Validation is the caller's (<see cref="FrameEncoder.ValidateSend"/>).
    /// </summary>
    /// <param name="keys">Masking keys, one per frame; null sends unmasked.</param>
    /// <param name="completion">The session's reusable completion (one awaited send at a time).</param>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> WriteAsync(bool fin, int opcode, ReadOnlyMemory<byte> payload, MaskKeyGenerator? keys,
        ReusableWrite completion, CancellationToken cancellation, int fragmentSize = int.MaxValue)
    {
        var bytes = payload.Length <= fragmentSize ? Encode(fin, opcode, payload, keys?.Next()) : EncodeFragments(fin, opcode, payload, keys, fragmentSize);
        // The sender resumes where the write completes, on the stream thread (see IncomingQueue).
        var written = completion.Start(out short token);
        try
        {
            await _outgoing.WriteAsync(new OutgoingFrame(bytes, completion, token), cancellation).ConfigureAwait(false);
        }
        catch (Exception notQueued)
        {
            completion.OnFailed(notQueued, token); // the frame never reached the queue: nothing else will say so
            throw;
        }
        if (!cancellation.CanBeCanceled)
            return await written.ConfigureAwait(false);
        using (cancellation.UnsafeRegister(static (state, token) => ((ReusableWrite)state!).Cancel(token), completion))
            return await written.ConfigureAwait(false);
    }

    /// <summary>
    /// Queues one message (a delivered message, a <c>Tell</c>ed send) without waiting: the sender
    /// must not stall behind a slow peer. Refused with <see cref="PostResult.OverBudget"/> while the
    /// outgoing byte budget is spent; the caller applies the slow-consumer policy. The message goes
    /// out in frames of at most <paramref name="fragmentSize"/> bytes, queued as one element.
    /// </summary>
    /// <param name="written">Completed with the byte count once written, when somebody waits for it.</param>
    public PostResult TryPost(Opcode opcode, ReadOnlyMemory<byte> payload, bool masked, int fragmentSize = int.MaxValue, WriteCompletion? written = null)
    {
        var keys = masked ? MaskKeyGenerator.Shared : null;
        var bytes = payload.Length <= fragmentSize ? Encode(true, (int)opcode, payload, keys?.Next()) : EncodeFragments(true, (int)opcode, payload, keys, fragmentSize);
        return _outgoing.TryPost(new OutgoingFrame(bytes, written));
    }

    /// <summary>Queues a close or keepalive ping whatever the budget (at most 127 bytes, a few per connection).</summary>
    public PostResult PostControl(Opcode opcode, ReadOnlyMemory<byte> payload, bool masked, WriteCompletion? written = null) =>
        _outgoing.PostControl(new OutgoingFrame(Encode(true, (int)opcode, payload, masked ? MaskKeyGenerator.Shared.Next() : null), written));

    /// <summary>Answers a ping (RFC 6455 §5.5.2); a pong still waiting is replaced, so a ping flood costs O(1).</summary>
    public void PostPong(ReadOnlyMemory<byte> payload, bool masked) =>
        _outgoing.PostPong(new OutgoingFrame(Encode(true, (int)Opcode.Pong, payload, masked ? MaskKeyGenerator.Shared.Next() : null)));

    /// <summary>Takes the receive limits and the outgoing byte budget of <paramref name="options"/>;
    /// called before the upgrade is written.</summary>
    public void Configure(FrameOptions options) => Configure(Framing, _outgoing, options);

    private static void Configure(FramingControl framing, OutgoingQueue outgoing, FrameOptions options)
    {
        framing.Configure(options);
        outgoing.Budget = options.MaxOutgoingBytes;
    }

    /// <summary>No more frames: what is queued is written, then the sending side is shut down.</summary>
    public void CompleteOutgoing() => _outgoing.Complete();

    /// <summary>The first frame carries the opcode, the others are continuations; only the last has FIN.</summary>
    private static ByteString EncodeFragments(bool fin, int opcode, ReadOnlyMemory<byte> payload, MaskKeyGenerator? keys, int fragmentSize)
    {
        var bytes = ByteString.Empty;
        for (int offset = 0; offset < payload.Length; offset += fragmentSize)
        {
            int length = Math.Min(fragmentSize, payload.Length - offset);
            bool last = offset + length == payload.Length;
            bytes = bytes.Concat(Encode(last && fin, offset == 0 ? opcode : (int)Opcode.Continuation, payload.Slice(offset, length), keys?.Next()));
        }
        return bytes;
    }

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
}
