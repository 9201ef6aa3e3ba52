using Akka.Actor;
using Akka.Cluster;
using Microsoft.Extensions.Logging;
using Cosocket.Actors.Connections;

namespace Cosocket.Host;

/// <summary>
/// Logs, once each, the cluster events an operator reads: a member up, leaving, removed,
/// unreachable, reachable again. (Akka.NET's own INFO lines are left out: see akka.hocon.)
/// </summary>
internal sealed class MembershipLog : ReceiveActor
{
    public MembershipLog(ILogger logger)
    {
        Receive<ClusterEvent.MemberUp>(m => logger.LogInformation(HostEvents.MemberUp, "cluster: {Address} is up", m.Member.Address));
        Receive<ClusterEvent.MemberLeft>(m => logger.LogInformation(HostEvents.MemberLeft, "cluster: {Address} is leaving", m.Member.Address));
        Receive<ClusterEvent.MemberRemoved>(m => logger.LogInformation(HostEvents.MemberRemoved, "cluster: {Address} was removed (was {Status})", m.Member.Address, m.PreviousStatus));
        Receive<ClusterEvent.UnreachableMember>(m => logger.LogWarning(HostEvents.MemberUnreachable, "cluster: {Address} is unreachable", m.Member.Address));
        Receive<ClusterEvent.ReachableMember>(m => logger.LogInformation(HostEvents.MemberReachable, "cluster: {Address} is reachable again", m.Member.Address));
        ReceiveAny(_ => { });
    }

    protected override void PreStart() => Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
        typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));

    protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);

    public static Props Props(ILogger logger) => Akka.Actor.Props.Create(() => new MembershipLog(logger));
}
