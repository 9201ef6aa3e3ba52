using System.Text;
using Akka.Actor;
using Akka.Event;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Pipeline;
using Cosocket.Actors.Transport;
using Cosocket.Protocol;
using Cosocket.Protocol.Framing;

namespace Cosocket.Actors.Sessions;

/// <summary>How a connection sends what it is told to send.</summary>
/// <param name="FragmentSize">Messages delivered to the connection go out in frames of at most this payload.</param>
/// <param name="RateLimit">The limit on what the peer sends, for the log line of a close it causes.</param>
internal readonly record struct SendPolicy(long MaxSendLen, long MaxOutgoingBytes, int FragmentSize, RateLimitOptions? RateLimit)
{
    public static SendPolicy Of(FrameOptions options) =>
        new(options.EffectiveMaxSendLen, options.MaxOutgoingBytes, options.EffectiveFragmentSize, options.RateLimit);
}

/// <summary>
/// Who opens a connection, and how: a server accepts a socket, secures it, reads the upgrade request
/// and runs the route's handler (<c>ServerRole</c>); a client connects, secures, shakes hands and
/// rests in a pool between owners (<c>ClientRole</c>). The one <see cref="ConnectionActor"/> type
/// runs either; everything else a connection does is the actor's, the same for both.
/// </summary>
internal abstract class ConnectionRole
{
    /// <summary>The actor running this role; set before <see cref="PreStart"/>.</summary>
    protected ConnectionActor Actor { get; private set; } = null!;

    internal void Attach(ConnectionActor actor) => Actor = actor;

    /// <summary>The connection, once its graph exists.</summary>
    public abstract FrameConnection? Connection { get; }

    /// <summary>How to send, once the connection is a WebSocket; null before.</summary>
    public abstract SendPolicy? Sending { get; }

    /// <summary>Who the connection was authenticated as at its handshake; null when anonymous (and for clients).</summary>
    public virtual ConnectionIdentity? Identity => null;

    public virtual void PreStart()
    {
    }

    public virtual void PostStop()
    {
    }

    /// <summary>The role's own messages; false when <paramref name="message"/> is not one.</summary>
    public abstract bool Receive(object message);
}

/// <summary>
/// The one actor type of a connection, server or client (its <see cref="ConnectionRole"/>): the <c>Tell</c> API (send, ping, close,
/// subscribe), the timer that expires overdue receives and sends of the seed API (armed only while
/// one waits), the slow-consumer policy, and stopping when the connection has ended. The protocol's
/// own deadlines (close timeout, keepalive) are its stage's timers.
/// </summary>
internal sealed class ConnectionActor : UntypedActor, IWithTimers
{
    /// <summary>An operation began waiting with a deadline before the check already scheduled:
    /// check the deadlines after <paramref name="Delay"/>.</summary>
    internal sealed record CheckDeadlinesIn(TimeSpan Delay);

    /// <summary>This side closes: what is queued is written, then the sending side shuts down; the
    /// peer has the close timeout to close its side.</summary>
    internal sealed record Shutdown;

    /// <summary>The peer sent faster than the connection's rate limit, whose policy is to close.</summary>
    internal sealed record RateLimitExceeded
    {
        public static RateLimitExceeded Instance { get; } = new();
    }

    private sealed record CheckDeadlines;
    private sealed record TransportClosed;

    /// <summary>The reason a connection whose peer stopped answering keepalive pings is closed with.</summary>
    public const string KeepaliveTimeout = Protocol.Connection.WebSocketProtocol.KeepaliveTimeout;

    /// <summary>The reason (with 1008) a connection is closed with when a message sent to it finds its
    /// outgoing byte budget spent (<see cref="FrameOptions.MaxOutgoingBytes"/>).</summary>
    public const string SlowConsumer = DeliveryResult.SlowConsumer;

    private const string DeadlineTimer = "deadlines";

    private readonly ConnectionRole _role;

    public ConnectionActor(ConnectionRole role)
    {
        _role = role;
        role.Attach(this);
    }

    /// <summary>An actor for <paramref name="role"/>, on the connections' dispatcher.</summary>
    public static Props Props(ConnectionRole role) =>
        Akka.Actor.Props.Create(() => new ConnectionActor(role)).WithDispatcher(ConnectionDispatcher.Id);

    /// <summary>
    /// One switch, not a <c>Receive&lt;T&gt;</c> per message type: those build a delegate and a
    /// matcher for every message type in every instance, about 2 KB per connection.
    /// </summary>
    protected override void OnReceive(object message)
    {
        if (!_role.Receive(message) && !ReceiveCommon(message))
            Unhandled(message);
    }

    protected override void PreStart() => _role.PreStart();

    private bool ReceiveCommon(object message)
    {
        switch (message)
        {
            case CheckDeadlinesIn m:
                Timers.StartSingleTimer(DeadlineTimer, new CheckDeadlines(), m.Delay);
                break;
            case CheckDeadlines:
                if (Connection?.Deadlines.Expire(OperationDeadlines.Now) is { } next)
                    Timers.StartSingleTimer(DeadlineTimer, new CheckDeadlines(), next);
                break;
            case TransportClosed:
                StopSelf();
                break;
            case Shutdown:
                if (Sending is not null)
                    BeginClose();
                else
                    Connection?.Transport.Abort();
                break;
            case RateLimitExceeded:
                OnRateLimitExceeded();
                break;
            case SendText m:
                Send(Opcode.Text, Encoding.UTF8.GetBytes(m.Text));
                break;
            case SendBinary m:
                Send(Opcode.Binary, m.Data);
                break;
            case SendPing m:
                Send(Opcode.Ping, m.Data);
                break;
            case Deliver m:
                Deliver(m);
                break;
            case SendToConnection m:
                Sender.Tell(Deliver(m.Message));
                break;
            case GetConnectionIdentity m:
                Sender.Tell(new ConnectionIdentityResult(m.ConnectionId, Identity?.User,
                    Identity is { } identity ? [.. identity.Principal.Claims.Select(c => new KeyValuePair<string, string>(c.Type, c.Value))] : [], null));
                break;
            case CloseConnection m:
                OnClose(m);
                break;
            case Subscribe m:
                Connection?.Subscribe(m.Subscriber);
                break;
            case Unsubscribe m:
                Connection?.Unsubscribe(m.Subscriber);
                break;
            default:
                return false;
        }
        return true;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    internal ILoggingAdapter Log { get; } = Context.GetLogger();

    /// <summary>This actor, for its role (an actor's own <c>Self</c> is protected).</summary>
    internal IActorRef SelfRef => Self;

    /// <summary>The sender of the message being handled, for its role.</summary>
    internal IActorRef CurrentSender => Sender;

    /// <summary>Stops this actor (from its role, while it handles a message).</summary>
    internal void StopSelf() => Context.Stop(Self);

    private ConnectionIdentity? Identity => _role.Identity;

    private FrameConnection? Connection => _role.Connection;

    private SendPolicy? Sending => _role.Sending;

    /// <summary>True once this side has closed (no more frames go out).</summary>
    private bool Closing { get; set; }

    /// <summary>True once this side has closed, or the protocol is closing (a close sent or received, a failure).</summary>
    private bool NoMoreSends => Closing || Connection?.Protocol.State >= Protocol.Connection.ConnectionState.Closing;

    /// <summary>The actor owns the connection: when it stops, so do the socket and the stream.</summary>
    protected override void PostStop()
    {
        Connection?.Transport.Abort();
        Connection?.Protocol.Stop();
        _role.PostStop();
    }

    /// <summary>Stops the actor when <paramref name="connection"/> has ended.</summary>
    internal void StopWhenClosed(FrameConnection connection) =>
        connection.Transport.Closed.PipeTo(Self, success: () => new TransportClosed(), failure: _ => new TransportClosed());

    /// <summary>
    /// This side is done: what is queued is written, the sending side is shut down, and the peer has
    /// the close timeout to close its side before the connection is cut.
    /// </summary>
    internal void BeginClose()
    {
        if (Closing || Connection is null)
            return;
        Closing = true;
        Connection.PostFinish();
    }

    /// <summary>
    /// This side ends the connection for <paramref name="reason"/>: the close frame goes out after
    /// what is queued, the sending side shuts down, and the peer has the close timeout to close its
    /// side. The receiver of the connection is told <paramref name="code"/> and <paramref name="reason"/>.
    /// </summary>
    private void FailConnection(FrameConnection connection, ushort code, string reason)
    {
        Closing = true;
        connection.PostFail(code, reason);
    }

    /// <summary>
    /// The slow-consumer policy: a message sent to a connection whose outgoing budget is spent is
    /// not queued, and the connection is closed with 1008 <c>slow consumer</c>, counted and logged
    /// once (later messages find it closing). Its memory stays bounded by the budget.
    /// </summary>
    private void OnOverBudget(FrameConnection connection, SendPolicy policy)
    {
        if (Closing)
            return;
        ConnectionCounters.CountSlowConsumer();
        Log.Warning("connection {0}: its peer reads slower than it is sent to ({1} bytes wait, budget {2}); closing it with 1008 {3}",
            connection.Id, connection.QueuedBytes, policy.MaxOutgoingBytes, SlowConsumer);
        FailConnection(connection, CloseStatus.PolicyViolation, SlowConsumer);
    }

    /// <summary>The close policy of <see cref="RateLimitOptions"/>: the protocol stage has failed the
    /// connection with 1008 <c>rate limit exceeded</c>; this logs it, once.</summary>
    private void OnRateLimitExceeded()
    {
        if (Sending is not { } policy || Connection is not { } connection || Closing)
            return;
        Closing = true;
        Log.Warning("connection {0}: its peer sent faster than its rate limit ({1}); closing it with 1008 {2}",
            connection.Id, policy.RateLimit, RateLimitOptions.Exceeded);
    }

    private void OnClose(CloseConnection close)
    {
        if (Sending is not { } policy || Closing || Connection is not { } connection)
        {
            ReplyIfAsked(NotSentClosed);
            // A connection that is not a WebSocket yet has no close handshake: it is cut.
            if (Sending is null)
                Connection?.Transport.Abort();
            return;
        }
        var (payload, err) = ClosePayload.Build(close.Code, Encoding.UTF8.GetBytes(close.Reason ?? ""));
        if (payload is null)
        {
            ReplyIfAsked(SendResult.Failure(err!));
            return;
        }
        // The seed's send checks hold for the close frame too; a refused one is not sent, and this side
        // still closes.
        if (FrameEncoder.ValidateSend(true, (int)Opcode.Close, payload.Length, policy.MaxSendLen) is { } invalid)
        {
            ReplyIfAsked(SendResult.Failure(invalid));
            BeginClose();
            return;
        }
        // The close handshake: the peer answers within the close timeout, or is cut. A server ends its
        // sending at once (it closes TCP first, RFC 6455 §7.1.1); a client does not half-close but waits
        // for the server to close: a server behind an HTTP server (Kestrel) stops writing once the client's
        // side has ended, and its answer would be lost.
        var written = Sender.IsNobody() ? null : new WriteCompletion();
        if (close.Code is { } code)
            connection.PostClose(unchecked((ushort)code), payload.AsMemory(2), written);
        else
            connection.PostControl(Opcode.Close, payload, written);
        ReplyWhenWritten(written);
        if (connection.Role == Protocol.Connection.Role.Client)
            Closing = true;
        else
            BeginClose();
    }

    /// <summary>A <c>Tell</c>ed send: queued at once (so one sender's sends keep their order),
    /// answered with its <see cref="SendResult"/> once written when asked.</summary>
    private void Send(Opcode opcode, ReadOnlyMemory<byte> payload)
    {
        if (Sending is not { } policy || Connection is not { } connection || NoMoreSends)
        {
            ReplyIfAsked(NotSentClosed);
            return;
        }
        if (FrameEncoder.ValidateSend(true, (int)opcode, payload.Length, policy.MaxSendLen) is { } invalid)
        {
            ReplyIfAsked(SendResult.Failure(invalid));
            return;
        }
        var written = Sender.IsNobody() ? null : new WriteCompletion();
        var posted = opcode.IsControl() ? connection.PostControl(opcode, payload, written) : connection.TryPost(opcode, payload, written: written);
        switch (posted)
        {
            case PostResult.Queued:
                ReplyWhenWritten(written);
                break;
            case PostResult.OverBudget:
                ReplyIfAsked(SendResult.Failure(ProtocolErrors.FailedToSendFramePrefix + SlowConsumer));
                OnOverBudget(connection, policy);
                break;
            default:
                ReplyIfAsked(NotSentClosed);
                break;
        }
    }

    /// <summary>
    /// An application message from anywhere in the cluster: sent as one message (in frames of the
    /// fragment size when it is larger), queued at once, never waiting. The result says whether the
    /// connection took it.
    /// </summary>
    private DeliveryResult Deliver(Deliver message)
    {
        if (Sending is not { } policy || Connection is not { } connection || NoMoreSends)
            return DeliveryResult.Failure(DeliveryResult.Closed);
        var opcode = message.IsText ? Opcode.Text : Opcode.Binary;
        // The same Deliver reaches every subscriber of a topic on this node, every connection of a
        // user: its payload is compressed once for them all.
        switch (connection.TryPost(opcode, message.Data, policy.FragmentSize, shared: true))
        {
            case PostResult.Queued:
                CosocketTelemetry.MessagesSent.Add(1);
                return new DeliveryResult(1, null);
            case PostResult.OverBudget:
                OnOverBudget(connection, policy);
                return DeliveryResult.Failure(DeliveryResult.SlowConsumer);
            default:
                return DeliveryResult.Failure(DeliveryResult.Closed);
        }
    }

    /// <summary>The answer to a send told to a connection that is closing, closed or not a WebSocket yet.</summary>
    private static SendResult NotSentClosed => SendResult.Failure(ProtocolErrors.FailedToSendFramePrefix + SocketErrors.Closed);

    /// <summary>Answers the asker with the send's <see cref="SendResult"/> once it is written (or not).</summary>
    private void ReplyWhenWritten(WriteCompletion? written) =>
        written?.Task.ContinueWith(t => t.IsCompletedSuccessfully
            ? new SendResult(t.Result, null)
            : SendResult.Failure(t.Exception?.GetBaseException() is AlreadyClosedException ? MessageSession.AlreadyClosed
                : ProtocolErrors.FailedToSendFramePrefix + SocketErrors.Describe(t.Exception?.GetBaseException())),
            TaskScheduler.Default).PipeTo(Sender);

    private void ReplyIfAsked(SendResult result)
    {
        if (!Sender.IsNobody())
            Sender.Tell(result);
    }
}
