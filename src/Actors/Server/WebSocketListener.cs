using System.Net;
using System.Net.Sockets;
using Cosocket.Actors.Transport;
using Akka.Actor;
using Akka.Event;
using Akka.Streams;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Sessions;

namespace Cosocket.Actors.Server;

/// <summary>
/// Accepts TCP connections on one endpoint and gives each its own <see cref="ConnectionActor"/> child;
/// or, without a socket of its own, takes upgrade requests another HTTP server read
/// (<see cref="Serve"/>, <see cref="HostedWebSockets"/>). Either way it holds its connections to
/// <c>max-connections</c> and drains them. A failed connection actor is stopped, never restarted:
/// its socket is gone with it.
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

    /// <summary>Answered with <see cref="Health"/>.</summary>
    public sealed record GetHealth;

    /// <param name="AcceptError">Why the last accept failed, while accepting fails (the process is out
    /// of file descriptors, say); null while connections are accepted.</param>
    public sealed record Health(int Connections, string? AcceptError);

    /// <summary>A hosted upgrade request for <paramref name="Route"/>; <paramref name="Ended"/> completes
    /// when its connection has ended or finished sending (or it was refused).</summary>
    internal sealed record Serve(IHttpUpgrade Upgrade, WebSocketRoute Route, TaskCompletionSource Ended);

    private sealed record DrainTimedOut;
    private sealed record Accepted(Socket Socket);
    private sealed record AcceptFailed(Exception Error);
    private sealed record RetryAccept;

    /// <summary>The first wait after a failed accept; it doubles with each failure up to <see cref="MaxAcceptBackoff"/>.</summary>
    private static readonly TimeSpan MinAcceptBackoff = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxAcceptBackoff = TimeSpan.FromSeconds(1);

    /// <summary>Failed accepts are logged at most once this often, with how many were not.</summary>
    private static readonly TimeSpan AcceptWarningInterval = TimeSpan.FromSeconds(10);

    private readonly Socket? _listener;
    private readonly Func<Task<Socket>>? _accept;
    private readonly WebSocketRoutes _routes;
    private readonly ServerOptions _options;
    private readonly IActorRef _registry;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    // One materializer for all of this listener's connections: a materializer per connection would
    // cost each one a supervisor actor of its own.
    private readonly IMaterializer _materializer = ConnectionDispatcher.Materializer(Context);
    // The connection children; the materializer's supervisor is a child too, and is not one of them.
    private readonly HashSet<IActorRef> _connections = [];
    private IActorRef? _drainRequester;
    private readonly int _maxConnections;
    private int _refusing;
    private TimeSpan _acceptBackoff = TimeSpan.Zero;
    private string? _acceptError;
    private DateTime _lastAcceptWarning = DateTime.MinValue;
    private int _unloggedAcceptFailures;

    /// <param name="listener">A bound, listening socket; the listener owns it from now on.</param>
    private readonly ServerTls? _tls;
    private readonly string _idPrefix;

    public WebSocketListener(Socket listener, WebSocketRoutes routes, ServerOptions options, IActorRef registry, ServerTls? tls = null, string idPrefix = "")
        : this(listener, routes, options, registry, tls, idPrefix, accept: null)
    {
    }

    /// <param name="accept">Accepts the next connection; null: the listening socket's own accept.
    /// Tests put failures here that a real socket gives only when the process is out of descriptors.</param>
    internal WebSocketListener(Socket? listener, WebSocketRoutes routes, ServerOptions options, IActorRef registry, ServerTls? tls, string idPrefix,
        Func<Task<Socket>>? accept)
    {
        _tls = tls;
        _idPrefix = idPrefix;
        _listener = listener;
        _accept = accept ?? (listener is null ? null : listener.AcceptAsync);
        _routes = routes;
        _options = options;
        _registry = registry;
        _maxConnections = options.MaxConnections;
        if (DescriptorBudget.Room() is { } room && room < _maxConnections)
        {
            _maxConnections = Math.Max(1, room);
            _log.Warning("max-connections lowered from {0} to {1}: that is what the limit on open files (ulimit -n) leaves, with {2} to spare",
                options.MaxConnections, _maxConnections, DescriptorBudget.Reserve);
        }

        Receive<GetBoundEndPoint>(_ => Sender.Tell(new Bound((IPEndPoint)_listener!.LocalEndPoint!)));
        Receive<Serve>(OnServe);
        Receive<Accepted>(m =>
        {
            if (_drainRequester is not null)
            {
                m.Socket.Dispose();
                return;
            }
            if (_acceptError is not null)
                _log.Warning("accepting connections again after: {0}", _acceptError);
            _acceptBackoff = TimeSpan.Zero;
            _acceptError = null;
            if (_connections.Count >= _maxConnections)
                Refuse(m.Socket);
            else
            {
                string id = _idPrefix + Guid.NewGuid().ToString("N");
                var connection = Context.ActorOf(ServerRole.Props(m.Socket, id, _routes, _options, _registry, _materializer, _tls), "connection-" + id);
                _connections.Add(Context.Watch(connection));
            }
            AcceptNext();
        });
        Receive<GetHealth>(_ => Sender.Tell(new Health(_connections.Count, _acceptError)));
        Receive<RetryAccept>(_ => AcceptNext());
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
            OnAcceptFailed(m.Error);
        });
    }

    /// <summary>A listener whose connections come from <paramref name="accept"/> (tests).</summary>
    internal static Props Props(Socket listener, WebSocketRoutes routes, ServerOptions options, IActorRef registry, Func<Task<Socket>> accept) =>
        Akka.Actor.Props.CreateBy(new Producer(() => new WebSocketListener(listener, routes, options, registry, null, "", accept)));

    /// <summary>Creates the listener through its internal constructor, which Akka's reflection does not see.</summary>
    private sealed class Producer(Func<WebSocketListener> create) : IIndirectActorProducer
    {
        public Type ActorType => typeof(WebSocketListener);

        public ActorBase Produce() => create();

        public void Release(ActorBase actor)
        {
        }
    }

    public static Props Props(Socket listener, WebSocketRoutes routes, ServerOptions options, IActorRef registry, ServerTls? tls = null, string idPrefix = "") =>
        Akka.Actor.Props.Create(() => new WebSocketListener(listener, routes, options, registry, tls, idPrefix));

    /// <summary>A listener without a socket: its connections come as <see cref="Serve"/> requests.</summary>
    internal static Props Hosted(ServerOptions options, IActorRef registry, string idPrefix) =>
        Akka.Actor.Props.CreateBy(new Producer(() => new WebSocketListener(null, new WebSocketRoutes(), options, registry, null, idPrefix, accept: null)));

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        if (_accept is not null)
            AcceptNext();
    }

    /// <summary>A hosted upgrade request: a connection of its own, within max-connections (503 beyond, and while draining).</summary>
    private void OnServe(Serve serve)
    {
        if (_drainRequester is not null || _connections.Count >= _maxConnections)
        {
            string reason = _drainRequester is not null ? "server shutting down" : "too many connections";
            HostedAnswer.RefuseAsync(serve.Upgrade, new Protocol.Handshake.HandshakeError(reason, 503))
                .ContinueWith(_ => serve.Ended.TrySetResult(), TaskScheduler.Default);
            return;
        }
        string id = _idPrefix + Guid.NewGuid().ToString("N");
        var connection = Context.ActorOf(HostedRole.Props(id, serve.Upgrade, serve.Route, _options, _registry, _materializer, serve.Ended), "connection-" + id);
        _connections.Add(Context.Watch(connection));
    }

    private void OnDrain(Drain drain)
    {
        _drainRequester = Sender;
        _listener?.Dispose();
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

    protected override void PostStop() => _listener?.Dispose();

    /// <summary>
    /// A failed accept (out of file descriptors, most often) is retried after a wait that doubles,
    /// 10 ms to 1 s, so the loop neither spins nor gives up; warnings are rate-limited; the health
    /// answer says accepting fails until one succeeds again.
    /// </summary>
    private void OnAcceptFailed(Exception error)
    {
        _acceptError = error.Message;
        _acceptBackoff = _acceptBackoff == TimeSpan.Zero ? MinAcceptBackoff : TimeSpan.FromTicks(Math.Min(_acceptBackoff.Ticks * 2, MaxAcceptBackoff.Ticks));
        var now = DateTime.UtcNow;
        if (now - _lastAcceptWarning >= AcceptWarningInterval)
        {
            _log.Warning("accept failed: {0}{1}; retrying in up to {2} ms", error.Message,
                _unloggedAcceptFailures > 0 ? $" (and {_unloggedAcceptFailures} more failures since the last warning)" : "", (int)MaxAcceptBackoff.TotalMilliseconds);
            _lastAcceptWarning = now;
            _unloggedAcceptFailures = 0;
        }
        else
            _unloggedAcceptFailures++;
        Timers.StartSingleTimer(nameof(RetryAccept), new RetryAccept(), _acceptBackoff);
    }

    /// <summary>Refusals that may linger at once; past them a refused socket is closed at once, so
    /// that a flood of connections cannot hold descriptors through its refusals.</summary>
    private const int MaxLingeringRefusals = 64;

    /// <summary>Over <see cref="ServerOptions.MaxConnections"/>: 503 before any upgrade.</summary>
    private void Refuse(Socket socket)
    {
        if (Interlocked.Increment(ref _refusing) > MaxLingeringRefusals)
        {
            Interlocked.Decrement(ref _refusing);
            socket.Dispose();
            return;
        }
        _ = RefuseAsync(socket).ContinueWith(_ => Interlocked.Decrement(ref _refusing), TaskScheduler.Default);
    }

    /// <summary>The 503 goes out, then the socket is closed once the client has had a moment to read
    /// it (the request is not read, and closing with unread input would reset the connection and lose
    /// the answer).</summary>
    private static async Task RefuseAsync(Socket socket)
    {
        using (socket)
        {
            try
            {
                await socket.SendAsync(TooManyConnections).ConfigureAwait(false);
                socket.Shutdown(SocketShutdown.Send);
                using var linger = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                byte[] discard = new byte[1024];
                while (await socket.ReceiveAsync(discard, linger.Token).ConfigureAwait(false) > 0)
                {
                }
            }
            catch (Exception gone) when (gone is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client left, or did not close within the second: the socket goes either way.
            }
        }
    }

    private static readonly byte[] TooManyConnections =
        Protocol.Handshake.ServerHandshake.BuildRejection(new Protocol.Handshake.HandshakeError("too many connections", 503));

    private void AcceptNext()
    {
        var self = Self;
        _accept!().ContinueWith(task => task.IsCompletedSuccessfully
            ? (object)new Accepted(ConfigureAccepted(task.Result, _options.DeadPeerTimeout))
            : new AcceptFailed(task.Exception?.GetBaseException() ?? new ObjectDisposedException(nameof(Socket))),
            TaskScheduler.Default).PipeTo(self);
    }

    private static Socket ConfigureAccepted(Socket socket, TimeSpan? deadPeerTimeout)
    {
        try
        {
            // Frames are small and latency matters more than segment count; writes are coalesced upstream.
            socket.NoDelay = true;
            if (deadPeerTimeout is { } timeout)
                DeadPeerDetection.Apply(socket, timeout);
        }
        catch (SocketException)
        {
            // The peer is already gone: the connection finds out on its first read.
        }
        return socket;
    }
}
