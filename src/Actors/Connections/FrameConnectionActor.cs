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
internal readonly record struct SendPolicy(long MaxSendLen, bool Masked, TimeSpan CloseTimeout);

/// <summary>
/// What every connection actor does, server or client: the <c>Tell</c> API (send, ping, close,
/// subscribe), the one periodic timer that expires overdue receives and sends, the close timeout,
/// and stopping when the connection has ended.
/// </summary>
public abstract class FrameConnectionActor : ReceiveActor, IWithTimers
{
    internal sealed record TimeoutChanged(TimeSpan? Timeout);
    private sealed record Tick;
    private sealed record CloseTimedOut;
    private sealed record TransportClosed;

    private const string TickTimer = "tick";

    private MaskKeyGenerator? _keys;

    protected FrameConnectionActor()
    {
        Receive<Tick>(_ => Connection?.Deadlines.Expire(OperationDeadlines.Now));
        Receive<TimeoutChanged>(m => StartTicking(m.Timeout));
        Receive<CloseTimedOut>(_ => Connection?.Transport.Abort());
        Receive<TransportClosed>(_ => Context.Stop(Self));

        Receive<SendText>(m => Send(Opcode.Text, Encoding.UTF8.GetBytes(m.Text)));
        Receive<SendBinary>(m => Send(Opcode.Binary, m.Data));
        Receive<SendPing>(m => Send(Opcode.Ping, m.Data));
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
        Timers.StartSingleTimer("close", new CloseTimedOut(), closeTimeout);
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
        uint? key = policy.Masked ? (_keys ??= new MaskKeyGenerator()).Next() : null;
        var written = connection.WriteAsync(true, (int)opcode, payload, key, CancellationToken.None);
        if (!Sender.IsNobody())
        {
            written.ContinueWith(t => t.IsCompletedSuccessfully
                ? new SendResult(t.Result, null)
                : SendResult.Failure(ProtocolErrors.FailedToSendFramePrefix + SocketErrors.Describe(t.Exception?.GetBaseException())),
                TaskScheduler.Default).PipeTo(Sender);
        }
    }

    private void ReplyIfAsked(SendResult result)
    {
        if (!Sender.IsNobody())
            Sender.Tell(result);
    }
}
