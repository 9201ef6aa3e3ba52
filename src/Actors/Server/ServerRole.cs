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
internal sealed class ServerRole(Socket socket, string id, WebSocketRoutes routes, ServerOptions options, IActorRef registry, IMaterializer materializer,
    ServerTls? tls) : ServerConnectionRole(id, options)
{
    private sealed record Arrived(HandshakeArrival Arrival);
    private sealed record Secured(SslStream Stream);
    private sealed record TlsFailed(string Reason);

    private readonly CancellationTokenSource _securing = new();

    protected override bool ReceiveOwn(object message)
    {
        switch (message)
        {
            case Arrived m:
                OnArrival(m.Arrival);
                break;
            case Secured m:
                StartGraph(m.Stream, m.Stream.TargetHostName);
                break;
            case TlsFailed m:
                Actor.Log.Debug("TLS handshake with {0} failed: {1}", socket.RemoteEndPoint, m.Reason);
                Actor.StopSelf();
                break;
            default:
                return false;
        }
        return true;
    }

    public static Props Props(Socket socket, string id, WebSocketRoutes routes, ServerOptions options, IActorRef registry, IMaterializer materializer, ServerTls? tls = null) =>
        ConnectionActor.Props(new ServerRole(socket, id, routes, options, registry, materializer, tls));

    public override void PreStart()
    {
        base.PreStart();
        var stream = new NetworkStream(socket, ownsSocket: true);
        if (tls is null)
            StartGraph(stream, serverName: null);
        else
            SecureAsync(stream, tls, _securing.Token).PipeTo(Actor.SelfRef);
    }

    public override void PostStop()
    {
        if (Core is null)
            socket.Dispose();
        _securing.Dispose();
    }

    /// <summary>TLS still going on is given up; a connection whose handshake is unfinished is cut.</summary>
    protected override void OnHandshakeTimeout()
    {
        if (Core is null)
            _securing.Cancel();
        else
            Core.Connection.Transport.Abort(HandshakeTimeout);
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
        Core = ConnectionCore.Start(Id, socket.RemoteEndPoint, Actor.SelfRef, registry, stream, () => socket.Shutdown(SocketShutdown.Send), Options, materializer,
            serverName, out var arrival);
        arrival.PipeTo(Actor.SelfRef, success: head => new Arrived(head));
        Actor.StopWhenClosed(Core.Connection);
    }

    private void OnArrival(HandshakeArrival arrival)
    {
        if (arrival.Request is null)
        {
            // A head that is not HTTP or too large gets its D4 answer; a vanished client gets nothing.
            if (arrival.Error is { } error)
                _ = Core!.RejectAsync(error);
            return;
        }
        var request = new WebSocketRequest(Core!, arrival.Request);
        var route = routes.Find(request.Path);
        if (route is null)
        {
            _ = request.RejectAsync(404, $"no websocket endpoint at {request.Path}");
            return;
        }
        HandlerRun.Start(request, route, Options, Actor.SelfRef);
    }
}
