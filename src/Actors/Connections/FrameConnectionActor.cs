using System.Text;
using Akka.Actor;
using Akka.Event;
using Cosocket.Actors.Server;
using Cosocket.Actors.Transport;
using Cosocket.Protocol;
using Cosocket.Protocol.Framing;

namespace Cosocket.Actors.Connections;

/// <summary>How a connection sends what it is told to send.</summary>
/// <param name="CloseTimeout">Once this side has closed, the time the peer has to close its side.</param>
/// <param name="Messages">The keepalive settings among them.</param>
internal readonly record struct SendPolicy(long MaxSendLen, bool Masked, TimeSpan CloseTimeout, MessageOptions Messages);

/// <summary>
/// What every connection actor does, server or client: the <c>Tell</c> API (send, ping, close,
/// subscribe), the one periodic timer that expires overdue receives and sends, the close timeout,
/// keepalive pings, and stopping when the connection has ended.
/// </summary>
public abstract class FrameConnectionActor : ReceiveActor, IWithTimers
{
    internal sealed record TimeoutChanged(TimeSpan? Timeout);

    /// <summary>This side closes: what is queued is written, then the sending side shuts down; the
    /// peer has the close timeout to close its side.</summary>
    internal sealed record Shutdown;

    /// <summary>A close frame went out (or, for a client, the server's close was answered): the peer
    /// has the close timeout to finish the close handshake before the connection is cut.</summary>
    internal sealed record AwaitPeerClose;

    private sealed record Tick;
    private sealed record CloseTimedOut;
    private sealed record TransportClosed;
    private sealed record PingDue;
    private sealed record PongDue(int FramesAtPing);

    /// <summary>The reason a connection whose peer stopped answering keepalive pings is closed with.</summary>
    public const string KeepaliveTimeout = "keepalive timeout";

    private const string TickTimer = "tick";
    private const string CloseTimer = "close";
    private const string PingTimer = "ping";
    private const string PongTimer = "pong";

    protected FrameConnectionActor()
    {
        Receive<Tick>(_ => Connection?.Deadlines.Expire(OperationDeadlines.Now));
        Receive<TimeoutChanged>(m => StartTicking(m.Timeout));
        Receive<CloseTimedOut>(_ => Connection?.Transport.Abort());
        Receive<TransportClosed>(_ => Context.Stop(Self));
        Receive<Shutdown>(_ =>
        {
            if (Sending is { } policy)
                BeginClose(policy.CloseTimeout);
            else
                Connection?.Transport.Abort();
        });
        Receive<AwaitPeerClose>(_ =>
        {
            if (Sending is { } policy && !Timers.IsTimerActive(CloseTimer))
                Timers.StartSingleTimer(CloseTimer, new CloseTimedOut(), policy.CloseTimeout);
        });
        Receive<PingDue>(_ => OnPingDue());
        Receive<PongDue>(OnPongDue);

        Receive<SendText>(m => Send(Opcode.Text, Encoding.UTF8.GetBytes(m.Text)));
        Receive<SendBinary>(m => Send(Opcode.Binary, m.Data));
        Receive<SendPing>(m => Send(Opcode.Ping, m.Data));
        Receive<Cluster.Deliver>(Deliver);
        Receive<CloseConnection>(OnClose);
        Receive<Subscribe>(m => Connection?.Subscribe(m.Subscriber));
        Receive<Unsubscribe>(m => Connection?.Unsubscribe(m.Subscriber));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected ILoggingAdapter Log { get; } = Context.GetLogger();

    /// <summary>The connection, once its graph exists.</summary>
    internal abstract FrameConnection? Connection { get; }

    /// <summary>How to send, once the connection is a WebSocket; null before.</summary>
    internal abstract SendPolicy? Sending { get; }

    /// <summary>True once this side has closed (no more frames go out).</summary>
    protected bool Closing { get; private set; }

    protected override void PostStop() => Connection?.Transport.Abort();

    /// <summary>Stops the actor when <paramref name="connection"/> has ended.</summary>
    internal void StopWhenClosed(FrameConnection connection) =>
        connection.Transport.Closed.PipeTo(Self, success: () => new TransportClosed(), failure: _ => new TransportClosed());

    /// <summary>
    /// This side is done: what is queued is written, the sending side is shut down, and the peer has
    /// the close timeout to close its side before the connection is cut.
    /// </summary>
    protected void BeginClose(TimeSpan closeTimeout)
    {
        if (Closing || Connection is null)
            return;
        Closing = true;
        Connection.CompleteOutgoing();
        StopKeepalive();
        Timers.StartSingleTimer(CloseTimer, new CloseTimedOut(), closeTimeout);
    }

    /// <summary>Pings the peer every <see cref="MessageOptions.PingInterval"/>, if set.</summary>
    protected void StartKeepalive()
    {
        if (Sending is { Messages.PingInterval: { } interval } && !Closing)
            Timers.StartPeriodicTimer(PingTimer, new PingDue(), interval);
    }

    protected void StopKeepalive()
    {
        Timers.Cancel(PingTimer);
        Timers.Cancel(PongTimer);
    }

    private void OnPingDue()
    {
        if (Sending is not { } policy || Connection is not { } connection || Closing || Timers.IsTimerActive(PongTimer))
            return;
        _ = connection.Post(Opcode.Ping, ReadOnlyMemory<byte>.Empty, policy.Masked);
        Timers.StartSingleTimer(PongTimer, new PongDue(connection.Framing.FramesReceived), policy.Messages.PongTimeout);
    }

    /// <summary>
    /// Any frame since the ping shows the peer is alive (its pong may queue behind a large message),
    /// and so does a full incoming queue (then this side is the slow one). Otherwise the peer is
    /// gone: close 1011, and the connection is cut once that is written, or after the close timeout.
    /// </summary>
    private void OnPongDue(PongDue due)
    {
        if (Sending is not { } policy || Connection is not { } connection || Closing)
            return;
        if (connection.Framing.FramesReceived != due.FramesAtPing || !connection.Incoming.HasRoom)
            return;
        Log.Info("connection {0}: no frame within {1} of a keepalive ping; closing it", connection.Id, policy.Messages.PongTimeout);
        connection.SetFailure(CloseStatus.InternalError, KeepaliveTimeout);
        var (payload, _) = ClosePayload.Build(CloseStatus.InternalError, Encoding.UTF8.GetBytes(KeepaliveTimeout));
        _ = connection.Post(Opcode.Close, payload, policy.Masked).ContinueWith(_ => connection.Transport.Abort(KeepaliveTimeout), TaskScheduler.Default);
        BeginClose(policy.CloseTimeout);
    }

    /// <summary>One periodic tick checks the deadlines: a tenth of the timeout, between 10 ms and 1 s.</summary>
    protected void StartTicking(TimeSpan? timeout)
    {
        if (timeout is not { } t || t <= TimeSpan.Zero)
        {
            Timers.Cancel(TickTimer);
            return;
        }
        var period = TimeSpan.FromTicks(Math.Clamp(t.Ticks / 10, TimeSpan.FromMilliseconds(10).Ticks, TimeSpan.FromSeconds(1).Ticks));
        Timers.StartPeriodicTimer(TickTimer, new Tick(), period);
    }

    private void OnClose(CloseConnection close)
    {
        if (Sending is not { } policy || Closing)
        {
            ReplyIfAsked(SendResult.Failure(ProtocolErrors.FailedToSendFramePrefix + SocketErrors.Closed));
            // A connection that is not a WebSocket yet has no close handshake: it is cut.
            if (Sending is null)
                Connection?.Transport.Abort();
            return;
        }
        var (payload, err) = ClosePayload.Build(close.Code, Encoding.UTF8.GetBytes(close.Reason ?? ""));
        if (err is not null)
        {
            ReplyIfAsked(SendResult.Failure(err));
            return;
        }
        Send(Opcode.Close, payload);
        BeginClose(policy.CloseTimeout);
    }

    private void Send(Opcode opcode, ReadOnlyMemory<byte> payload)
    {
        if (Sending is not { } policy || Connection is not { } connection)
        {
            ReplyIfAsked(SendResult.Failure(ProtocolErrors.FailedToSendFramePrefix + SocketErrors.Closed));
            return;
        }
        if (FrameEncoder.ValidateSend(true, (int)opcode, payload.Length, policy.MaxSendLen) is { } invalid)
        {
            ReplyIfAsked(SendResult.Failure(invalid));
            return;
        }
        var written = connection.Post(opcode, payload, policy.Masked);
        if (!Sender.IsNobody())
        {
            written.ContinueWith(t => t.IsCompletedSuccessfully
                ? new SendResult(t.Result, null)
                : SendResult.Failure(ProtocolErrors.FailedToSendFramePrefix + SocketErrors.Describe(t.Exception?.GetBaseException())),
                TaskScheduler.Default).PipeTo(Sender);
        }
    }

    /// <summary>An application message from anywhere in the cluster: sent as one message, answered to nobody.</summary>
    private void Deliver(Cluster.Deliver message)
    {
        if (Sending is not { } policy || Connection is not { } connection || Closing)
            return;
        var opcode = message.IsText ? Opcode.Text : Opcode.Binary;
        if (FrameEncoder.ValidateSend(true, (int)opcode, message.Data.Length, policy.MaxSendLen) is { } invalid)
        {
            Log.Warning("connection {0}: a delivered message was not sent: {1}", connection.Id, invalid);
            return;
        }
        _ = connection.Post(opcode, message.Data, policy.Masked);
    }

    private void ReplyIfAsked(SendResult result)
    {
        if (!Sender.IsNobody())
            Sender.Tell(result);
    }
}
