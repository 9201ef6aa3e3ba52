using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;

namespace Cosocket.Actors.Server;

/// <summary>
/// Accepts TCP connections on one endpoint and gives each its own <see cref="ConnectionActor"/> child.
/// A failed connection actor is stopped, never restarted: its socket is gone with it.
/// </summary>
public sealed class WebSocketListener : ReceiveActor
{
    public sealed record GetBoundEndPoint;
    public sealed record Bound(IPEndPoint EndPoint);
    private sealed record Accepted(Socket Socket);
    private sealed record AcceptFailed(Exception Error);

    private readonly Socket _listener;
    private readonly WebSocketRoutes _routes;
    private readonly ServerOptions _options;
    private readonly IActorRef _registry;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    /// <param name="listener">A bound, listening socket; the listener owns it from now on.</param>
    public WebSocketListener(Socket listener, WebSocketRoutes routes, ServerOptions options, IActorRef registry)
    {
        _listener = listener;
        _routes = routes;
        _options = options;
        _registry = registry;

        Receive<GetBoundEndPoint>(_ => Sender.Tell(new Bound((IPEndPoint)_listener.LocalEndPoint!)));
        Receive<Accepted>(m =>
        {
            string id = Guid.NewGuid().ToString("N");
            Context.ActorOf(ConnectionActor.Props(m.Socket, id, _routes, _options, _registry), "connection-" + id);
            AcceptNext();
        });
        Receive<AcceptFailed>(m =>
        {
            if (m.Error is ObjectDisposedException)
                return;
            _log.Warning("accept failed: {0}", m.Error.Message);
            AcceptNext();
        });
    }

    public static Props Props(Socket listener, WebSocketRoutes routes, ServerOptions options, IActorRef registry) =>
        Akka.Actor.Props.Create(() => new WebSocketListener(listener, routes, options, registry));

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    protected override void PreStart() => AcceptNext();

    protected override void PostStop() => _listener.Dispose();

    private void AcceptNext()
    {
        var self = Self;
        _listener.AcceptAsync().ContinueWith(task => task.IsCompletedSuccessfully
            ? (object)new Accepted(ConfigureAccepted(task.Result))
            : new AcceptFailed(task.Exception?.GetBaseException() ?? new ObjectDisposedException(nameof(Socket))),
            TaskScheduler.Default).PipeTo(self);
    }

    private static Socket ConfigureAccepted(Socket socket)
    {
        // Frames are small and latency matters more than segment count; writes are coalesced upstream.
        socket.NoDelay = true;
        return socket;
    }
}
