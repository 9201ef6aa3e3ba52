using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Net;
using Akka;
using Akka.Actor;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Dsl;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Pipeline;
using Cosocket.Actors.Transport;
using Cosocket.Protocol;
using Cosocket.Protocol.Connection;
using Cosocket.Protocol.Deflate;
using Cosocket.Protocol.Framing;

namespace Cosocket.Actors.Sessions;

/// <summary>
/// One WebSocket connection, server or client (<see cref="Role"/>): its materialized graph (transport
/// ⇄ [the server's handshake stage ⇄] protocol stage), the queues of commands and events, the
/// deadlines of the seed's receives and sends, and the subscribers. Its actor owns it; the seed API
/// objects use it directly, so frames pass neither through the actor's mailbox nor through the
/// thread pool: events and write completions resume their waiters on the stream's own thread. The
/// connection's protocol state is the protocol stage's alone (<see cref="WebSocketProtocol"/>); this
/// holds none of it.
/// </summary>
internal sealed class FrameConnection
{
    /// <summary>One server blueprint per (max_header_len, receive limit): a listener's connections share one.</summary>
    private static readonly ConcurrentDictionary<(int MaxHeaderLen, long MaxRecvLen), IRunnableGraph<Graph<HandshakeControl>>> s_serverBlueprints = new();

    /// <summary>One blueprint without a handshake stage per role and receive limit: a client's (its
    /// handshake is done before the graph exists), and a hosted server's (the host's HTTP server reads
    /// and answers the upgrade request).</summary>
    private static readonly ConcurrentDictionary<(Role Role, long MaxRecvLen), IRunnableGraph<Graph<NotUsed>>> s_directBlueprints = new();

    private readonly OutgoingQueue _outgoing;
    private ImmutableArray<IActorRef> _subscribers = [];

    private FrameConnection(Role role, string id, EndPoint? remote, IActorRef self, OutgoingQueue outgoing, IncomingQueue incoming,
        ProtocolControl protocol, TransportHandle transport)
    {
        Role = role;
        Id = id;
        RemoteEndPoint = remote;
        Self = self;
        _outgoing = outgoing;
        Incoming = incoming;
        Protocol = protocol;
        Transport = transport;
        Deadlines = new OperationDeadlines(delay => self.Tell(new ConnectionActor.CheckDeadlinesIn(delay)));
        protocol.RateExceeded = () => self.Tell(ConnectionActor.RateLimitExceeded.Instance);
        protocol.AbortTransport = () => transport.Abort();
    }

    public Role Role { get; }
    public string Id { get; }
    public EndPoint? RemoteEndPoint { get; }
    public IActorRef Self { get; }
    public IncomingQueue Incoming { get; }
    public ProtocolControl Protocol { get; }
    public TransportHandle Transport { get; }
    /// <summary>What the handshake agreed of permessage-deflate, or null when it is not in use.</summary>
    public DeflateParameters? Compression { get; private set; }

    /// <summary>The deadlines of the pending receive and send; the actor's timer checks them.</summary>
    public OperationDeadlines Deadlines { get; }

    public ImmutableArray<IActorRef> Subscribers => _subscribers;

    /// <summary>Payload bytes of commands waiting for the protocol stage (counted against the outgoing budget).</summary>
    public long QueuedBytes => _outgoing.QueuedBytes;

    public void Subscribe(IActorRef subscriber) => ImmutableInterlocked.Update(ref _subscribers, s => s.Contains(subscriber) ? s : s.Add(subscriber));

    public void Unsubscribe(IActorRef subscriber) => ImmutableInterlocked.Update(ref _subscribers, s => s.Remove(subscriber));

    /// <summary>
    /// A server connection over an accepted <paramref name="stream"/>: its handshake stage reads the
    /// request head and waits for the handler's decision (<see cref="HandshakeControl"/>); the
    /// protocol is configured when the handler upgrades.
    /// </summary>
    public static (FrameConnection Connection, HandshakeControl Handshake) StartServer(string id, EndPoint? remote, IActorRef self,
        Stream stream, Action shutdownSend, int maxHeaderLen, long maxRecvLen, IMaterializer materializer)
    {
        var blueprint = s_serverBlueprints.GetOrAdd((maxHeaderLen, maxRecvLen), key =>
            Blueprint(BidiFlow.FromGraph(new HandshakeStage(key.MaxHeaderLen)).JoinMat(Flow.FromGraph(new StreamTransportStage()), Keep.Both),
                FrameOptions.InitialSettings(Role.Server, key.MaxRecvLen)));
        var graph = blueprint.Run(materializer);
        graph.Transport.Attach(stream, shutdownSend, ByteString.Empty);
        return (new FrameConnection(Role.Server, id, remote, self, graph.Outgoing, graph.Incoming, graph.Protocol, graph.Transport), graph.Handshake);
    }

    /// <summary>
    /// A client connection over <paramref name="stream"/>, whose handshake was done before the graph
    /// existed: it starts with <paramref name="alreadyRead"/> (bytes read past the response head),
    /// decoded with <paramref name="options"/>.
    /// </summary>
    public static FrameConnection StartClient(string id, EndPoint? remote, IActorRef self, Stream stream, Action shutdownSend,
        ByteString alreadyRead, FrameOptions options, bool masked, DeflateParameters? deflate, IMaterializer materializer)
    {
        var connection = StartDirect(Role.Client, id, remote, self, options.EffectiveMaxRecvLen, materializer);
        connection.Configure(options, masked, deflate);
        connection.Transport.Attach(stream, shutdownSend, alreadyRead);
        return connection;
    }

    /// <summary>
    /// A server connection whose upgrade request another HTTP server (Kestrel) read and answers: no
    /// handshake stage, and no stream yet: the host's upgrade hands one to <see cref="Transport"/>
    /// once it has written the 101.
    /// </summary>
    public static FrameConnection StartHosted(string id, EndPoint? remote, IActorRef self, long maxRecvLen, IMaterializer materializer) =>
        StartDirect(Role.Server, id, remote, self, maxRecvLen, materializer);

    private static FrameConnection StartDirect(Role role, string id, EndPoint? remote, IActorRef self, long maxRecvLen, IMaterializer materializer)
    {
        var blueprint = s_directBlueprints.GetOrAdd((role, maxRecvLen), key =>
            Blueprint(Flow.FromGraph(new StreamTransportStage()).MapMaterializedValue(transport => (NotUsed.Instance, transport)),
                FrameOptions.InitialSettings(key.Role, key.MaxRecvLen)));
        var graph = blueprint.Run(materializer);
        return new FrameConnection(role, id, remote, self, graph.Outgoing, graph.Incoming, graph.Protocol, graph.Transport);
    }

    /// <summary>The parts of a materialized connection graph.</summary>
    private sealed record Graph<THandshake>(OutgoingQueue Outgoing, IncomingQueue Incoming, ProtocolControl Protocol, THandshake Handshake, TransportHandle Transport);

    /// <summary>
    /// The blueprint protocol stage ⇄ <paramref name="network"/> (the transport, under the server's
    /// handshake stage). It holds no connection (the transport's stream is attached after
    /// materialization), so one blueprint serves every connection alike: building one is most of
    /// what setting up a connection would otherwise cost, and each would keep its own copy.
    /// <paramref name="initial"/> holds until the handshake configures the connection.
    /// </summary>
    private static IRunnableGraph<Graph<THandshake>> Blueprint<THandshake>(
        Flow<ByteString, ByteString, (THandshake Handshake, TransportHandle Transport)> network, ProtocolSettings initial) =>
        Flow.FromGraph(new ProtocolStage(initial)).JoinMaterialized(network, (ports, below) =>
            new Graph<THandshake>(ports.Outgoing, ports.Incoming, ports.Control, below.Handshake, below.Transport));

    /// <summary>
    /// Queues a frame (the seed's send methods) or a message in frames of at most
    /// <paramref name="fragmentSize"/> bytes (RFC 6455 §5.4), waiting while the outgoing budget is
    /// spent. The task completes with the byte count (headers included) once written. Validation is
    /// the caller's (<see cref="FrameEncoder.ValidateSend"/>).
    /// </summary>
    /// <param name="completion">The session's reusable completion (one awaited send at a time).</param>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> WriteAsync(CommandKind kind, bool fin, Opcode opcode, ReadOnlyMemory<byte> payload,
        ReusableWrite completion, CancellationToken cancellation, int fragmentSize = int.MaxValue)
    {
        // The sender resumes where the write completes, on the stream thread (see IncomingQueue).
        var written = completion.Start(out short token);
        try
        {
            await _outgoing.WriteAsync(new OutgoingCommand(kind, opcode, payload, fin, fragmentSize, Written: completion, Token: token), cancellation).ConfigureAwait(false);
        }
        catch (Exception notQueued)
        {
            completion.OnFailed(notQueued, token); // the command never reached the queue: nothing else will say so
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
    /// outgoing byte budget is spent; the caller applies the slow-consumer policy.
    /// </summary>
    /// <param name="written">Completed with the byte count once written, when somebody waits for it.</param>
    /// <param name="shared">The payload goes to many connections: compressed once for all that compress alike.</param>
    public PostResult TryPost(Opcode opcode, ReadOnlyMemory<byte> payload, int fragmentSize = int.MaxValue, WriteCompletion? written = null, bool shared = false) =>
        _outgoing.TryPost(new OutgoingCommand(CommandKind.Message, opcode, payload, FragmentSize: fragmentSize, Written: written, Shared: shared));

    /// <summary>Queues a control frame told to the connection (a ping, a pong) whatever the budget.</summary>
    public PostResult PostControl(Opcode opcode, ReadOnlyMemory<byte> payload, WriteCompletion? written = null) =>
        _outgoing.PostControl(new OutgoingCommand(CommandKind.Frame, opcode, payload, Written: written));

    /// <summary>Starts the close handshake (the body's reason at most 123 bytes), whatever the budget.</summary>
    public PostResult PostClose(ushort code, ReadOnlyMemory<byte> reason, WriteCompletion? written = null) =>
        _outgoing.PostControl(new OutgoingCommand(CommandKind.Close, Opcode.Close, reason, Code: code, Written: written));

    /// <summary>Fails the connection for a policy of this side (<paramref name="code"/>, <paramref name="reason"/>).</summary>
    public void PostFail(ushort code, string reason) => _outgoing.PostControl(new OutgoingCommand(CommandKind.Fail, Code: code, Reason: reason));

    /// <summary>No more frames: what is queued is written, then the sending side is shut down; the
    /// peer has the close timeout to close its side.</summary>
    public void PostFinish() => _outgoing.PostControl(new OutgoingCommand(CommandKind.Finish));

    /// <summary>The reader has taken the peer's close or a violation: the protocol answers it now, after
    /// what the reader sent before (the queue keeps the order).</summary>
    public void PostAcknowledge() => _outgoing.PostControl(new OutgoingCommand(CommandKind.Acknowledge));

    /// <summary>Takes the settings of <paramref name="options"/> and the outgoing byte budget; a server
    /// calls it before the upgrade is written, a client before its first byte is read.</summary>
    /// <param name="deflate">What the handshake agreed of permessage-deflate, or null.</param>
    public void Configure(FrameOptions options, bool masked, DeflateParameters? deflate = null)
    {
        _outgoing.Budget = options.MaxOutgoingBytes;
        Compression = options.Compression is null ? null : deflate;
        Protocol.Configure(new ProtocolConfiguration(options.ToProtocolSettings(Role, masked, deflate), options.RateLimit));
    }
}
