using Akka.Actor;
using Akka.Cluster;

namespace Cosocket.Actors.Cluster;

/// <summary>
/// This node's half of user addressing: the users of its own connections. It registers each with the
/// user's <see cref="UserSession"/> and, when a node leaves the cluster, registers them all again:
/// the sessions that lived on that node are started afresh elsewhere and would otherwise have
/// forgotten connections that are still alive here. Registration is idempotent, so nothing is
/// delivered twice.
/// </summary>
public sealed class UserDirectory : ReceiveActor
{
    private readonly IActorRef _sessions;
    private readonly Dictionary<IActorRef, string> _users = [];

    public UserDirectory(IActorRef sessions)
    {
        _sessions = sessions;
        Receive<RegisterConnection>(m =>
        {
            _users[m.Connection] = m.User;
            Context.Watch(m.Connection);
            _sessions.Forward(m); // the session answers the one who asked
        });
        Receive<Terminated>(m => _users.Remove(m.ActorRef));
        Receive<ClusterEvent.MemberRemoved>(_ =>
        {
            foreach (var (connection, user) in _users)
                _sessions.Tell(new RegisterConnection(user, connection), ActorRefs.NoSender);
        });
        Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
    }

    public static Props Props(IActorRef sessions) => Akka.Actor.Props.Create(() => new UserDirectory(sessions));

    protected override void PreStart() =>
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberRemoved));

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
}
