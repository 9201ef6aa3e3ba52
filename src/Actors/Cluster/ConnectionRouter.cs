using System.Globalization;
using Akka.Actor;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Server;

namespace Cosocket.Actors.Cluster;

/// <summary>
/// Resolves connection ids cluster-wide. An id starts with its node's tag (the node's unique
/// incarnation number, so an id never resolves to a later process at the same address); a
/// <see cref="SendToConnection"/> for another node goes to that node's router, one for this node to
/// the connection, and one for a node that is not a member, or an id nobody has, is answered with
/// <see cref="DeliveryResult.NoSuchConnection"/>. One per node, at <c>/user/cosocket-router</c>.
/// </summary>
public sealed class ConnectionRouter : ReceiveActor
{
    public const string Name = "cosocket-router";

    /// <summary>The registry of this node's connections (the listener's).</summary>
    public sealed record UseRegistry(IActorRef Registry);

    private sealed record Resolved(IConnectionRequest Request, IActorRef? Connection, IActorRef ReplyTo);

    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private IActorRef _registry = ActorRefs.Nobody;

    public ConnectionRouter()
    {
        Receive<UseRegistry>(m => _registry = m.Registry);
        Receive<IConnectionRequest>(Route);
        Receive<Resolved>(m =>
        {
            // The connection answers itself: whether it took the message (or is closing, or over its budget).
            if (m.Connection is null)
                m.ReplyTo.Tell(NoSuchConnection(m.Request));
            else
                m.Connection.Tell(m.Request, m.ReplyTo);
        });
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new ConnectionRouter());

    /// <summary>The tag this node puts in front of its connection ids.</summary>
    public static string NodeTag(Akka.Cluster.Cluster cluster) => TagOf(cluster.SelfUniqueAddress);

    private static string TagOf(Akka.Cluster.UniqueAddress node) => node.Uid.ToString("x8", CultureInfo.InvariantCulture);

    private static IClusterMessage NoSuchConnection(IConnectionRequest request) => request is GetConnectionIdentity
        ? ConnectionIdentityResult.Failure(request.ConnectionId, DeliveryResult.NoSuchConnection)
        : DeliveryResult.Failure(DeliveryResult.NoSuchConnection);

    private void Route(IConnectionRequest request)
    {
        int dash = request.ConnectionId.IndexOf('-', StringComparison.Ordinal);
        string tag = dash > 0 ? request.ConnectionId[..dash] : "";
        if (tag == NodeTag(_cluster))
        {
            var replyTo = Sender;
            _registry.Ask<ConnectionRegistry.LookupResult>(new ConnectionRegistry.Lookup(request.ConnectionId), TimeSpan.FromSeconds(5))
                .PipeTo(Self, success: found => new Resolved(request, found.Connection, replyTo), failure: _ => new Resolved(request, null, replyTo));
            return;
        }
        var owner = _cluster.State.Members.FirstOrDefault(m => m.Status == Akka.Cluster.MemberStatus.Up && TagOf(m.UniqueAddress) == tag);
        if (owner is null)
            Sender.Tell(NoSuchConnection(request));
        else
            Context.ActorSelection(new RootActorPath(owner.Address) / "user" / Name).Tell(request, Sender);
    }
}
