using Akka.Actor;
using Akka.Cluster.Sharding;
using Cosocket.Actors.Connections;

namespace Cosocket.Actors.Cluster;

/// <summary>
/// One user's live connections, wherever they are in the cluster: a Cluster.Sharding entity keyed by
/// the user. Each connection registers itself (idempotently) and is watched; a message for the user
/// goes to each live connection once. With no connection left the entity passivates.
/// </summary>
/// <remarks>
/// A registration can reach the entity after it asked to passivate and before the shard stops it
/// (the shard buffers only what comes after). It is answered, so its node's directory takes it as
/// confirmed and never repeats it: the entity hands such registrations to its next incarnation
/// through the shard region when it stops, instead of losing them with itself.
/// </remarks>
public sealed class UserSession : ReceiveActor
{
    /// <summary>The shard region's type name.</summary>
    public const string TypeName = "cosocket-user";

    private readonly HashSet<IActorRef> _connections = [];
    private readonly IActorRef? _region;
    private string? _user;

    /// <param name="region">Where registrations are handed on when the entity stops; null: the
    /// <see cref="TypeName"/> shard region of this actor system.</param>
    public UserSession(IActorRef? region = null)
    {
        _region = region;
        Receive<RegisterConnection>(m =>
        {
            _user = m.User;
            if (_connections.Add(m.Connection))
                Context.Watch(m.Connection);
            if (!Sender.IsNobody())
                Sender.Tell(new Registered(m.User, m.Connection, _connections.Count));
        });
        Receive<Terminated>(m =>
        {
            _connections.Remove(m.ActorRef);
            if (_connections.Count == 0)
                Context.Parent.Tell(new Passivate(Stop.Instance));
        });
        Receive<Stop>(_ =>
        {
            if (_connections.Count > 0)
            {
                var region = _region ?? ClusterSharding.Get(Context.System).ShardRegion(TypeName);
                foreach (var connection in _connections)
                    region.Tell(new RegisterConnection(_user!, connection), ActorRefs.NoSender);
            }
            Context.Stop(Self);
        });
        Receive<SendToUser>(m =>
        {
            foreach (var connection in _connections)
                connection.Tell(m.Message, ActorRefs.NoSender);
            Sender.Tell(_connections.Count == 0 ? DeliveryResult.Failure(DeliveryResult.NoSuchUser) : new DeliveryResult(_connections.Count, null));
            if (_connections.Count == 0)
                Context.Parent.Tell(new Passivate(Stop.Instance));
        });
    }

    /// <summary>What the shard tells the entity once it passivates.</summary>
    public sealed class Stop
    {
        public static readonly Stop Instance = new();

        private Stop()
        {
        }
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
