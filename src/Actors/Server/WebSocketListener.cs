using System.Net;
using System.Net.Sockets;
using Cosocket.Actors.Transport;
using Akka.Actor;
using Akka.Event;
using Akka.Streams;

namespace Cosocket.Actors.Server;

/// <summary>
/// Accepts TCP connections on one endpoint and gives each its own <see cref="ConnectionActor"/> child.
/// A failed connection actor is stopped, never restarted: its socket is gone with it.
/// </summary>
public sealed class WebSocketListener : ReceiveActor, IWithTimers
{
    public sealed record GetBoundEndPoint;
    public sealed record Bound(IPEndPoint EndPoint);

    /// <summary>Stop accepting, tell every connection to close with 1001 (going away), and answer
    /// <see cref="Drained"/> once they have all ended or <paramref name="Timeout"/> has passed.</summary>
    public sealed record Drain(TimeSpan Timeout);

    /// <param name="Remaining">Connections still open when the time ran out; they are cut as the listener stops.</param>
    public sealed record Drained(int Remaining);

    private sealed record DrainTimedOut;
    private sealed record Accepted(Socket Socket);
    private sealed record AcceptFailed(Exception Error);

    private readonly Socket _listener;
    private readonly WebSocketRoutes _routes;
    private readonly ServerOptions _options;
    private readonly IActorRef _registry;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    // One materializer for all of this listener's connections: a materializer per connection would
    // cost each one a supervisor actor of its own.
    private readonly IMaterializer _materializer = Context.Materializer();
    // The connection children; the materializer's supervisor is a child too, and is not one of them.
    private readonly HashSet<IActorRef> _connections = [];
    private IActorRef? _drainRequester;

    /// <param name="listener">A bound, listening socket; the listener owns it from now on.</param>
    private readonly ServerTls? _tls;
    private readonly string _idPrefix;

    public WebSocketListener(Socket listener, WebSocketRoutes routes, ServerOptions options, IActorRef registry, ServerTls? tls = null, string idPrefix = "")
    {
        _tls = tls;
        _idPrefix = idPrefix;
        _listener = listener;
        _routes = routes;
        _options = options;
        _registry = registry;

        Receive<GetBoundEndPoint>(_ => Sender.Tell(new Bound((IPEndPoint)_listener.LocalEndPoint!)));
        Receive<Accepted>(m =>
        {
            if (_drainRequester is not null)
            {
                m.Socket.Dispose();
                return;
            }
            string id = _idPrefix + Guid.NewGuid().ToString("N");
            var connection = Context.ActorOf(ConnectionActor.Props(m.Socket, id, _routes, _options, _registry, _materializer, _tls), "connection-" + id);
            _connections.Add(Context.Watch(connection));
            AcceptNext();
        });
        Receive<Drain>(OnDrain);
        Receive<Terminated>(m =>
        {
            if (_connections.Remove(m.ActorRef) && _drainRequester is not null && _connections.Count == 0)
                FinishDrain();
        });
        Receive<DrainTimedOut>(_ => FinishDrain());
        Receive<AcceptFailed>(m =>
        {
            if (m.Error is ObjectDisposedException || _drainRequester is not null)
                return;
            _log.Warning("accept failed: {0}", m.Error.Message);
            AcceptNext();
        });
    }

    public static Props Props(Socket listener, WebSocketRoutes routes, ServerOptions options, IActorRef registry, ServerTls? tls = null, string idPrefix = "") =>
        Akka.Actor.Props.Create(() => new WebSocketListener(listener, routes, options, registry, tls, idPrefix));

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart() => AcceptNext();

    private void OnDrain(Drain drain)
    {
        _drainRequester = Sender;
        _listener.Dispose();
        foreach (var connection in _connections)
            connection.Tell(new CloseConnection(Protocol.CloseStatus.GoingAway, "server shutting down"), ActorRefs.NoSender);
        if (_connections.Count == 0)
            FinishDrain();
        else
            Timers.StartSingleTimer("drain", new DrainTimedOut(), drain.Timeout);
    }

    private void FinishDrain()
    {
        _drainRequester?.Tell(new Drained(_connections.Count));
        Context.Stop(Self);
    }

    protected override void PostStop() => _listener.Dispose();

    private void AcceptNext()
    {
        var self = Self;
        _listener.AcceptAsync().ContinueWith(task => task.IsCompletedSuccessfully
            ? (object)new Accepted(ConfigureAccepted(task.Result, _options.DeadPeerTimeout))
            : new AcceptFailed(task.Exception?.GetBaseException() ?? new ObjectDisposedException(nameof(Socket))),
            TaskScheduler.Default).PipeTo(self);
    }

    private static Socket ConfigureAccepted(Socket socket, TimeSpan? deadPeerTimeout)
    {
        // Frames are small and latency matters more than segment count; writes are coalesced upstream.
        socket.NoDelay = true;
        if (deadPeerTimeout is { } timeout)
            DeadPeerDetection.Apply(socket, timeout);
        return socket;
    }
}
