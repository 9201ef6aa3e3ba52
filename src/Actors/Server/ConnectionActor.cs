using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using Akka.Streams;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Pipeline;
using Cosocket.Actors.Transport;
using Cosocket.Protocol.Handshake;

namespace Cosocket.Actors.Server;

/// <summary>
/// One server-side WebSocket connection. It owns the connection's graph (transport ⇄ handshake ⇄
/// framing), hands the upgrade request to the handler mounted on its path, registers the upgraded
/// connection, and does what every connection actor does (<see cref="FrameConnectionActor"/>).
/// Never restarted in place; frames do not pass through its mailbox.
/// </summary>
public sealed class ConnectionActor : FrameConnectionActor
{
    internal sealed record Upgraded(string Path, ServerOptions Options);
    private sealed record Arrived(HandshakeArrival Arrival);
    private sealed record HandlerFinished(Exception? Error);
    private sealed record HandshakeTimedOut;

    private readonly Socket _socket;
    private readonly string _id;
    private readonly WebSocketRoutes _routes;
    private readonly ServerOptions _options;
    private readonly IActorRef _registry;
    private readonly IMaterializer _materializer;
    private ConnectionCore _core = null!;
    private ServerOptions? _upgradedWith;

    public ConnectionActor(Socket socket, string id, WebSocketRoutes routes, ServerOptions options, IActorRef registry, IMaterializer materializer)
    {
        _socket = socket;
        _id = id;
        _routes = routes;
        _options = options;
        _registry = registry;
        _materializer = materializer;

        Receive<Arrived>(m => OnArrival(m.Arrival));
        Receive<Upgraded>(OnUpgraded);
        Receive<HandlerFinished>(OnHandlerFinished);
        Receive<HandshakeTimedOut>(_ =>
        {
            if (_upgradedWith is null)
                _core.Transport.Abort("handshake timeout");
        });
    }

    public static Props Props(Socket socket, string id, WebSocketRoutes routes, ServerOptions options, IActorRef registry, IMaterializer materializer) =>
        Akka.Actor.Props.Create(() => new ConnectionActor(socket, id, routes, options, registry, materializer));

    internal override FrameConnection? Connection => _core;

    internal override SendPolicy? Sending => _upgradedWith is { } options
        ? new SendPolicy(options.EffectiveMaxSendLen, options.SendMasked, options.CloseTimeout)
        : null;

    protected override void PreStart()
    {
        var stream = new NetworkStream(_socket, ownsSocket: true);
        _core = ConnectionCore.Start(_id, _socket.RemoteEndPoint, Self, stream, () => _socket.Shutdown(SocketShutdown.Send), _options, _materializer);
        _core.Handshake.Arrival.PipeTo(Self, success: arrival => new Arrived(arrival));
        StopWhenClosed(_core);
        Timers.StartSingleTimer("handshake", new HandshakeTimedOut(), _options.HandshakeTimeout);
    }

    private void OnArrival(HandshakeArrival arrival)
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
            Log.Error(finished.Error, "handler for connection {0} failed", _id);
        BeginClose((_upgradedWith ?? _options).CloseTimeout);
    }
}
