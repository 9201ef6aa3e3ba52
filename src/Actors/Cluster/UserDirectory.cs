using Akka.Actor;
using Akka.Cluster;
using Cosocket.Actors.Connections;

namespace Cosocket.Actors.Cluster;

/// <summary>
/// This node's half of user addressing: the users of its own connections. It registers each with the
/// user's <see cref="UserSession"/> and, when a node leaves the cluster, registers them all again:
/// the sessions that lived on that node are started afresh elsewhere and would otherwise have
/// forgotten connections that are still alive here. A registration sent while the shards are
/// moving can be lost, so these are repeated, every second, until each session confirms it.
/// Registration is idempotent, so nothing is delivered twice.
/// </summary>
public sealed class UserDirectory : ReceiveActor, IWithTimers
{
    private sealed record Retry;

    private readonly IActorRef _sessions;
    private readonly Dictionary<IActorRef, string> _users = [];
    private readonly HashSet<IActorRef> _unconfirmed = [];

    public UserDirectory(IActorRef sessions)
    {
        _sessions = sessions;
        Receive<RegisterConnection>(m =>
        {
            _users[m.Connection] = m.User;
            Context.Watch(m.Connection);
            _sessions.Forward(m); // the session answers the one who asked
        });
        Receive<Terminated>(m =>
        {
            _users.Remove(m.ActorRef);
            _unconfirmed.Remove(m.ActorRef);
        });
        Receive<ClusterEvent.MemberRemoved>(_ =>
        {
            _unconfirmed.UnionWith(_users.Keys);
            RegisterUnconfirmed();
            Timers.StartPeriodicTimer(nameof(Retry), new Retry(), TimeSpan.FromSeconds(1));
        });
        Receive<Retry>(_ => RegisterUnconfirmed());
        Receive<Registered>(m => _unconfirmed.Remove(m.Connection));
        Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private void RegisterUnconfirmed()
    {
        if (_unconfirmed.Count == 0)
        {
            Timers.Cancel(nameof(Retry));
            return;
        }
        foreach (var connection in _unconfirmed)
            _sessions.Tell(new RegisterConnection(_users[connection], connection));
    }

    public static Props Props(IActorRef sessions) => Akka.Actor.Props.Create(() => new UserDirectory(sessions));

    protected override void PreStart() =>
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberRemoved));

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
}
