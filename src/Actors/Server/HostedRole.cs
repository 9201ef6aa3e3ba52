using Akka.Actor;
using Akka.Event;
using Akka.Streams;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Sessions;

namespace Cosocket.Actors.Server;

/// <summary>
/// How a hosted server connection opens, in its <see cref="ConnectionActor"/>: the host's HTTP server
/// (Kestrel) has read the upgrade request; the connection's graph starts without a stream, the
/// request goes to the route's handler as on Cosocket's own listener, and the host hands over the
/// stream once it has written the 101. The connection closes when the handler returns; the host's
/// request ends (<paramref name="ended"/>) once this side has finished sending, or when the actor
/// stops. A handler that neither upgrades nor answers within the handshake timeout gets the request
/// answered 408 for it, as Cosocket's own listener cuts such a connection.
/// </summary>
internal sealed class HostedRole(string id, IHttpUpgrade upgrade, WebSocketRoute route, ServerOptions options, IActorRef registry,
    IMaterializer materializer, TaskCompletionSource ended) : ConnectionRole
{
    private sealed record HandshakeTimedOut;

    /// <summary>The words of the 408 a handler that took too long to decide gets for it.</summary>
    internal const string HandshakeTimeout = "handshake timeout";

    private ConnectionCore? _core;
    private ServerOptions? _upgradedWith;

    public static Props Props(string id, IHttpUpgrade upgrade, WebSocketRoute route, ServerOptions options, IActorRef registry, IMaterializer materializer,
        TaskCompletionSource ended) =>
        ConnectionActor.Props(new HostedRole(id, upgrade, route, options, registry, materializer, ended));

    public override FrameConnection? Connection => _core?.Connection;

    public override ConnectionIdentity? Identity => _core?.Identity;

    public override SendPolicy? Sending => _upgradedWith is { } upgraded ? SendPolicy.Of(upgraded) : null;

    public override void PreStart()
    {
        _core = ConnectionCore.StartHosted(id, Actor.SelfRef, registry, upgrade, options, materializer, ended);
        Actor.StopWhenClosed(_core.Connection);
        var request = new WebSocketRequest(_core, upgrade.Head) { Identity = upgrade.Identity };
        Actor.Timers.StartSingleTimer("handshake", new HandshakeTimedOut(), options.HandshakeTimeout);
        HandlerRun.Start(request, route, options, Actor.SelfRef);
    }

    public override void PostStop() => ended.TrySetResult();

    public override bool Receive(object message)
    {
        switch (message)
        {
            case ConnectionCore.Upgraded m:
                _upgradedWith = m.Options;
                Actor.Timers.Cancel("handshake");
                break;
            case HandshakeTimedOut when _upgradedWith is null && !_core!.Handshake.IsDecided:
                // The handler's own answer, should it still come, finds the request answered.
                _ = _core.RejectAsync(new Cosocket.Protocol.Handshake.HandshakeError(HandshakeTimeout, 408))
                    .ContinueWith(_ => new HandlerRun.Finished(null), TaskScheduler.Default).PipeTo(Actor.SelfRef);
                break;
            case HandshakeTimedOut:
                break;
            case HandlerRun.Finished m:
                if (m.Error is not null)
                    Actor.Log.Error(m.Error, "handler for connection {0} failed", id);
                Actor.Timers.Cancel("handshake");
                if (_upgradedWith is null)
                    Actor.StopSelf(); // answered without an upgrade: the host's request is done
                else
                    Actor.BeginClose();
                break;
            default:
                return false;
        }
        return true;
    }
}
