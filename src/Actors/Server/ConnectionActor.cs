using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Akka.Event;
using Akka.Streams;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Transport;
using Cosocket.Protocol;
using Cosocket.Protocol.Framing;
using Cosocket.Protocol.Handshake;

namespace Cosocket.Actors.Server;

/// <summary>
/// One WebSocket connection. It owns the connection's graph (transport ⇄ handshake ⇄ framing),
/// hands the upgrade request to the handler mounted on its path, runs the connection's one periodic
/// timer (receive/send deadlines, handshake and close timeouts), sends what it is told to, and stops
/// when the connection ends — never restarted in place. Frames do not pass through its mailbox.
/// </summary>
public sealed class ConnectionActor : ReceiveActor, IWithTimers
{
    internal sealed record Upgraded(string Path, ServerOptions Options);
    internal sealed record TimeoutChanged(TimeSpan? Timeout);
    private sealed record HandlerFinished(Exception? Error);
    private sealed record Tick;
    private sealed record HandshakeTimedOut;
    private sealed record CloseTimedOut;
    private sealed record TransportClosed;

    private const string TickTimer = "tick";

    private readonly Socket _socket;
    private readonly string _id;
    private readonly WebSocketRoutes _routes;
    private readonly ServerOptions _options;
    private readonly IActorRef _registry;
    private readonly IMaterializer _materializer;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private MaskKeyGenerator? _keys;
    private ConnectionCore _core = null!;
    private ServerOptions? _upgradedWith;
    private bool _closing;

    public ConnectionActor(Socket socket, string id, WebSocketRoutes routes, ServerOptions options, IActorRef registry, IMaterializer materializer)
    {
        _materializer = materializer;
        _socket = socket;
        _id = id;
        _routes = routes;
        _options = options;
        _registry = registry;

        Receive<HandshakeArrivalMessage>(m => OnArrival(m.Arrival));
        Receive<Upgraded>(OnUpgraded);
        Receive<HandlerFinished>(OnHandlerFinished);
        Receive<Tick>(_ => _core.Deadlines.Expire(OperationDeadlines.Now));
        Receive<TimeoutChanged>(m => StartTicking(m.Timeout));
        Receive<HandshakeTimedOut>(_ =>
        {
            if (_upgradedWith is null)
                _core.Transport.Abort("handshake timeout");
        });
        Receive<CloseTimedOut>(_ => _core.Transport.Abort());
        Receive<TransportClosed>(_ => Context.Stop(Self));

        Receive<SendText>(m => Send(Opcode.Text, Encoding.UTF8.GetBytes(m.Text)));
        Receive<SendBinary>(m => Send(Opcode.Binary, m.Data));
        Receive<SendPing>(m => Send(Opcode.Ping, m.Data));
        Receive<CloseConnection>(OnClose);
        Receive<Subscribe>(m => _core.Subscribe(m.Subscriber));
        Receive<Unsubscribe>(m => _core.Unsubscribe(m.Subscriber));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(Socket socket, string id, WebSocketRoutes routes, ServerOptions options, IActorRef registry, IMaterializer materializer) =>
        Akka.Actor.Props.Create(() => new ConnectionActor(socket, id, routes, options, registry, materializer));

    private sealed record HandshakeArrivalMessage(Pipeline.HandshakeArrival Arrival);

    protected override void PreStart()
    {
        var stream = new NetworkStream(_socket, ownsSocket: true);
        _core = ConnectionCore.Start(_id, _socket.RemoteEndPoint, Self, stream, () => _socket.Shutdown(SocketShutdown.Send), _options, _materializer);
        _core.Handshake.Arrival.PipeTo(Self, success: arrival => new HandshakeArrivalMessage(arrival));
        _core.Transport.Closed.PipeTo(Self, success: () => new TransportClosed(), failure: _ => new TransportClosed());
        Timers.StartSingleTimer("handshake", new HandshakeTimedOut(), _options.HandshakeTimeout);
    }

    protected override void PostStop() => _core?.Transport.Abort();

    private void OnArrival(Pipeline.HandshakeArrival arrival)
    {
        if (arrival.Request is null)
        {
            // A head that is not HTTP or too large gets its D4 answer; a vanished client gets nothing.
            if (arrival.Error is { } error && error.Message != SocketErrors.Closed)
                _ = _core.Handshake.RejectAsync(ServerHandshake.BuildRejection(error));
            return;
        }
        var request = new WebSocketRequest(_core, arrival.Request);
        var handler = _routes.Find(request.Path);
        if (handler is null)
        {
            _ = request.RejectAsync(404, $"no websocket endpoint at {request.Path}");
            return;
        }
        var self = Self;
        Task.Run(() => handler(request)).ContinueWith(task =>
        {
            if (!request.Answered)
            {
                // The handler neither upgraded nor answered: DECISIONS D4's default.
                var refusal = request.Refusal ?? new HandshakeError(task.Exception is null ? "the handler declined the upgrade" : "handler failed", task.Exception is null ? 403 : 500);
                _ = request.Core.Handshake.RejectAsync(ServerHandshake.BuildRejection(refusal));
            }
            return new HandlerFinished(task.Exception?.GetBaseException());
        }, TaskScheduler.Default).PipeTo(self);
    }

    private void OnUpgraded(Upgraded upgraded)
    {
        _upgradedWith = upgraded.Options;
        Timers.Cancel("handshake");
        StartTicking(upgraded.Options.Timeout);
        _registry.Tell(new ConnectionRegistry.Register(new ConnectionInfo(_id, _core.RemoteEndPoint, upgraded.Path, DateTimeOffset.UtcNow, Self)));
    }

    /// <summary>
    /// Like nginx finishing a request: when the handler returns, what it queued is written, the
    /// sending side is shut down, and the peer has a bounded time to close its side.
    /// </summary>
    private void OnHandlerFinished(HandlerFinished finished)
    {
        if (finished.Error is not null)
            _log.Error(finished.Error, "handler for connection {0} failed", _id);
        BeginClose();
    }

    private void OnClose(CloseConnection close)
    {
        if (_upgradedWith is null || _closing)
        {
            ReplyIfAsked(SendResult.Failure(ProtocolErrors.FailedToSendFramePrefix + SocketErrors.Closed));
            // A connection that is not a WebSocket yet has no close handshake: it is cut.
            if (_upgradedWith is null)
                _core.Transport.Abort();
            return;
        }
        var (payload, err) = ClosePayload.Build(close.Code, Encoding.UTF8.GetBytes(close.Reason ?? ""));
        if (err is not null)
        {
            ReplyIfAsked(SendResult.Failure(err));
            return;
        }
        Send(Opcode.Close, payload);
        BeginClose();
    }

    private void BeginClose()
    {
        if (_closing)
            return;
        _closing = true;
        _core.CompleteOutgoing();
        Timers.StartSingleTimer("close", new CloseTimedOut(), (_upgradedWith ?? _options).CloseTimeout);
    }

    private void Send(Opcode opcode, ReadOnlyMemory<byte> payload)
    {
        var options = _upgradedWith;
        if (options is null)
        {
            ReplyIfAsked(SendResult.Failure(ProtocolErrors.FailedToSendFramePrefix + SocketErrors.Closed));
            return;
        }
        if (FrameEncoder.ValidateSend(true, (int)opcode, payload.Length, options.EffectiveMaxSendLen) is { } invalid)
        {
            ReplyIfAsked(SendResult.Failure(invalid));
            return;
        }
        uint? key = options.SendMasked ? (_keys ??= new MaskKeyGenerator()).Next() : null;
        var written = _core.WriteAsync(true, (int)opcode, payload, key, CancellationToken.None);
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

    /// <summary>One periodic tick checks the deadlines: a tenth of the timeout, between 10 ms and 1 s.</summary>
    private void StartTicking(TimeSpan? timeout)
    {
        if (timeout is not { } t || t <= TimeSpan.Zero)
        {
            Timers.Cancel(TickTimer);
            return;
        }
        var period = TimeSpan.FromTicks(Math.Clamp(t.Ticks / 10, TimeSpan.FromMilliseconds(10).Ticks, TimeSpan.FromSeconds(1).Ticks));
        Timers.StartPeriodicTimer(TickTimer, new Tick(), period);
    }
}
