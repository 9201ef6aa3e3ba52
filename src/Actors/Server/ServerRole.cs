using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Event;
using Akka.Streams;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Pipeline;
using Cosocket.Actors.Sessions;
using Cosocket.Actors.Transport;
using Cosocket.Protocol.Handshake;

namespace Cosocket.Actors.Server;

/// <summary>
/// How a server connection opens, in its <see cref="ConnectionActor"/>: the accepted socket is
/// secured (TLS) within the handshake timeout, the connection's graph (transport ⇄ handshake ⇄
/// protocol stage) started, the upgrade request handed to the handler mounted on its path, and the
/// connection closed when that handler returns (like nginx finishing a request).
/// </summary>
internal sealed class ServerRole : ConnectionRole
{
    private sealed record Arrived(HandshakeArrival Arrival);
    private sealed record HandshakeTimedOut;
    private sealed record Secured(SslStream Stream);
    private sealed record TlsFailed(string Reason);

    private readonly Socket _socket;
    private readonly string _id;
    private readonly WebSocketRoutes _routes;
    private readonly ServerOptions _options;
    private readonly IActorRef _registry;
    private readonly IMaterializer _materializer;
    private readonly ServerTls? _tls;
    private readonly CancellationTokenSource _securing = new();
    private ConnectionCore? _core;
    private ServerOptions? _upgradedWith;

    public ServerRole(Socket socket, string id, WebSocketRoutes routes, ServerOptions options, IActorRef registry, IMaterializer materializer, ServerTls? tls)
    {
        _tls = tls;
        _socket = socket;
        _id = id;
        _routes = routes;
        _options = options;
        _registry = registry;
        _materializer = materializer;
    }

    public override bool Receive(object message)
    {
        switch (message)
        {
            case Arrived m:
                OnArrival(m.Arrival);
                break;
            case ConnectionCore.Upgraded m:
                OnUpgraded(m);
                break;
            case HandlerRun.Finished m:
                OnHandlerFinished(m);
                break;
            case HandshakeTimedOut:
                if (_upgradedWith is not null)
                    break;
                if (_core is null)
                    _securing.Cancel();
                else
                    _core.Connection.Transport.Abort("handshake timeout");
                break;
            case Secured m:
                StartGraph(m.Stream, m.Stream.TargetHostName);
                break;
            case TlsFailed m:
                Actor.Log.Debug("TLS handshake with {0} failed: {1}", _socket.RemoteEndPoint, m.Reason);
                Actor.StopSelf();
                break;
            default:
                return false;
        }
        return true;
    }

    public static Props Props(Socket socket, string id, WebSocketRoutes routes, ServerOptions options, IActorRef registry, IMaterializer materializer, ServerTls? tls = null) =>
        ConnectionActor.Props(new ServerRole(socket, id, routes, options, registry, materializer, tls));

    public override FrameConnection? Connection => _core?.Connection;

    public override ConnectionIdentity? Identity => _core?.Identity;

    public override SendPolicy? Sending => _upgradedWith is { } options
        ? SendPolicy.Of(options)
        : null;

    public override void PreStart()
    {
        Actor.Timers.StartSingleTimer("handshake", new HandshakeTimedOut(), _options.HandshakeTimeout);
        var stream = new NetworkStream(_socket, ownsSocket: true);
        if (_tls is null)
            StartGraph(stream, serverName: null);
        else
            SecureAsync(stream, _tls, _securing.Token).PipeTo(Actor.SelfRef);
    }

    public override void PostStop()
    {
        if (_core is null)
            _socket.Dispose();
        _securing.Dispose();
    }

    /// <summary>The server side of TLS, bounded by the handshake timeout.</summary>
    private static async Task<object> SecureAsync(Stream inner, ServerTls tls, CancellationToken cancellation)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = tls.Certificate,
                ClientCertificateRequired = tls.ClientCertificateRequired,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) => tls.Validate(certificate, errors),
            }, cancellation).ConfigureAwait(false);
            return new Secured(ssl);
        }
        catch (Exception error)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            return new TlsFailed(error.Message);
        }
    }

    private void StartGraph(Stream stream, string? serverName)
    {
        _core = ConnectionCore.Start(_id, _socket.RemoteEndPoint, Actor.SelfRef, _registry, stream, () => _socket.Shutdown(SocketShutdown.Send), _options, _materializer,
            serverName, out var arrival);
        arrival.PipeTo(Actor.SelfRef, success: head => new Arrived(head));
        Actor.StopWhenClosed(_core.Connection);
    }

    private void OnArrival(HandshakeArrival arrival)
    {
        if (arrival.Request is null)
        {
            // A head that is not HTTP or too large gets its D4 answer; a vanished client gets nothing.
            if (arrival.Error is { } error)
                _ = _core!.RejectAsync(error);
            return;
        }
        var request = new WebSocketRequest(_core!, arrival.Request);
        var route = _routes.Find(request.Path);
        if (route is null)
        {
            _ = request.RejectAsync(404, $"no websocket endpoint at {request.Path}");
            return;
        }
        HandlerRun.Start(request, route, _options, Actor.SelfRef);
    }

    private void OnUpgraded(ConnectionCore.Upgraded upgraded)
    {
        _upgradedWith = upgraded.Options;
        Actor.Timers.Cancel("handshake");
    }

    /// <summary>
    /// Like nginx finishing a request: when the handler returns, what it queued is written, the
    /// sending side is shut down, and the peer has a bounded time to close its side.
    /// </summary>
    private void OnHandlerFinished(HandlerRun.Finished finished)
    {
        if (finished.Error is not null)
            Actor.Log.Error(finished.Error, "handler for connection {0} failed", _id);
        Actor.BeginClose();
    }
}
