using Akka.Actor;
using Akka.Cluster.Sharding;

namespace Cosocket.Actors.Cluster;

/// <summary>
/// One user's live connections, wherever they are in the cluster: a Cluster.Sharding entity keyed by
/// the user. Each connection registers itself (idempotently) and is watched; a message for the user
/// goes to each live connection once. With no connection left the entity passivates.
/// </summary>
public sealed class UserSession : ReceiveActor
{
    /// <summary>The shard region's type name.</summary>
    public const string TypeName = "cosocket-user";

    private readonly HashSet<IActorRef> _connections = [];

    public UserSession()
    {
        Receive<RegisterConnection>(m =>
        {
            if (_connections.Add(m.Connection))
                Context.Watch(m.Connection);
            Sender.Tell(new Registered(m.User, m.Connection, _connections.Count));
        });
        Receive<Terminated>(m =>
        {
            _connections.Remove(m.ActorRef);
            if (_connections.Count == 0)
                Context.Parent.Tell(new Passivate(PoisonPill.Instance));
        });
        Receive<SendToUser>(m =>
        {
            foreach (var connection in _connections)
                connection.Tell(m.Message, ActorRefs.NoSender);
            Sender.Tell(_connections.Count == 0 ? DeliveryResult.Failure(DeliveryResult.NoSuchUser) : new DeliveryResult(_connections.Count, null));
            if (_connections.Count == 0)
                Context.Parent.Tell(new Passivate(PoisonPill.Instance));
        });
    }

    /// <summary>Routes <see cref="RegisterConnection"/> and <see cref="SendToUser"/> by user.</summary>
    public sealed class MessageExtractor(int shards) : HashCodeMessageExtractor(shards)
    {
        public override string? EntityId(object message) => message switch
        {
            RegisterConnection m => m.User,
            SendToUser m => m.User,
            _ => null,
        };
    }
}
