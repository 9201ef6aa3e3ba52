using Akka.Actor;
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
    IMaterializer materializer, TaskCompletionSource ended) : ServerConnectionRole(id, options)
{
    public static Props Props(string id, IHttpUpgrade upgrade, WebSocketRoute route, ServerOptions options, IActorRef registry, IMaterializer materializer,
        TaskCompletionSource ended) =>
        ConnectionActor.Props(new HostedRole(id, upgrade, route, options, registry, materializer, ended));

    public override void PreStart()
    {
        base.PreStart();
        Core = ConnectionCore.StartHosted(Id, Actor.SelfRef, registry, upgrade, Options, materializer, ended);
        Actor.StopWhenClosed(Core.Connection);
        var request = new WebSocketRequest(Core, upgrade.Head) { Identity = upgrade.Identity };
        HandlerRun.Start(request, route, Options, Actor.SelfRef);
    }

    public override void PostStop() => ended.TrySetResult();

    protected override void OnHandshakeTimeout()
    {
        if (Core!.Handshake.IsDecided)
            return;
        // The handler's own answer, should it still come, finds the request answered.
        _ = Core.RejectAsync(new Cosocket.Protocol.Handshake.HandshakeError(HandshakeTimeout, 408))
            .ContinueWith(_ => new HandlerRun.Finished(null), TaskScheduler.Default).PipeTo(Actor.SelfRef);
    }

    protected override void OnHandlerFinished()
    {
        if (IsUpgraded)
            base.OnHandlerFinished();
        else
            Actor.StopSelf(); // answered without an upgrade: the host's request is done
    }
}
