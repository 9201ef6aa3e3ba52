using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Configuration;
using Cosocket.Actors.Connections;

namespace Cosocket.Actors.Cluster;

/// <summary>
/// Addressing WebSocket connections from anywhere in an Akka.NET cluster: one connection by its id,
/// every connection of a user (a Cluster.Sharding entity per user), or every subscriber of a topic
/// (DistributedPubSub). Connection actors stay on the node that owns their socket; only
/// <see cref="Deliver"/> messages cross nodes.
/// </summary>
public sealed class CosocketCluster
{
    /// <summary>Serialization for <see cref="IClusterMessage"/>s; the host layers it under its own configuration.</summary>
    public static Config DefaultConfig { get; } = ConfigurationFactory.ParseString($$"""
        akka.actor {
          serializers.cosocket = "Cosocket.Actors.Cluster.ClusterMessageSerializer, Cosocket.Actors"
          serialization-bindings { "Cosocket.Actors.Connections.IClusterMessage, Cosocket.Actors" = cosocket }
          serialization-identifiers { "Cosocket.Actors.Cluster.ClusterMessageSerializer, Cosocket.Actors" = {{ClusterMessageSerializer.Id}} }
        }
        """);

    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    private readonly IActorRef _router;
    private readonly IActorRef _sessions;
    private readonly IActorRef _directory;
    private readonly IActorRef _mediator;
    private readonly Akka.Cluster.Cluster _cluster;

    private CosocketCluster(IActorRef router, IActorRef sessions, IActorRef directory, IActorRef mediator, Akka.Cluster.Cluster cluster)
    {
        _cluster = cluster;
        _router = router;
        _sessions = sessions;
        _directory = directory;
        _mediator = mediator;
    }

    /// <summary>The tag this node's connection ids start with: pass <c>NodeTag + "-"</c> to
    /// <see cref="Server.CosocketServer.Bind"/> as its id prefix.</summary>
    public static string NodeTag(ActorSystem system) => ConnectionRouter.NodeTag(Akka.Cluster.Cluster.Get(system));

    /// <summary>Starts this node's part: the user shard region, the user directory and the connection
    /// router; then <see cref="Serve"/> names the listener whose connections the node owns.</summary>
    public static CosocketCluster Start(ActorSystem system, int shards = 100)
    {
        var sessions = ClusterSharding.Get(system).Start(UserSession.TypeName, Props.Create(() => new UserSession()),
            ClusterShardingSettings.Create(system), new UserSession.MessageExtractor(shards));
        var router = system.ActorOf(ConnectionRouter.Props(), ConnectionRouter.Name);
        var directory = system.ActorOf(UserDirectory.Props(sessions), "cosocket-users");
        return new CosocketCluster(router, sessions, directory, DistributedPubSub.Get(system).Mediator, Akka.Cluster.Cluster.Get(system));
    }

    /// <summary>Connection ids of this node are looked up in <paramref name="registry"/> (a listener's).</summary>
    public void Serve(IActorRef registry) => _router.Tell(new ConnectionRouter.UseRegistry(registry));

    /// <summary>Sends to one connection, wherever it is.</summary>
    public Task<DeliveryResult> SendToConnectionAsync(string connectionId, Deliver message, TimeSpan? timeout = null) =>
        CountedAsync("connection", () => AskAsync(_router, new SendToConnection(connectionId, message), timeout, TimedOut), r => r.Err);

    /// <summary>Who the connection with this id, on any node, was authenticated as at its handshake:
    /// its user and its token's claims (empty for an anonymous one), or <c>no such connection</c>.</summary>
    public Task<ConnectionIdentityResult> GetIdentityAsync(string connectionId, TimeSpan? timeout = null) =>
        AskAsync(_router, new GetConnectionIdentity(connectionId), timeout, () => ConnectionIdentityResult.Failure(connectionId, DeliveryResult.Timeout));

    /// <summary>Sends to every live connection of <paramref name="user"/>, each once.</summary>
    public Task<DeliveryResult> SendToUserAsync(string user, Deliver message, TimeSpan? timeout = null) =>
        AddressNames.Check("user", user) is { } invalid
            ? Task.FromResult(DeliveryResult.Failure(invalid))
            : CountedAsync("user", () => AskAsync(_sessions, new SendToUser(user, message), timeout, TimedOut), r => r.Err);

    private static DeliveryResult TimedOut() => DeliveryResult.Failure(DeliveryResult.Timeout);

    /// <summary>A send, as a <c>cosocket.deliver</c> activity and a <c>cosocket.deliveries</c> count by outcome.</summary>
    private static async Task<T> CountedAsync<T>(string target, Func<Task<T>> send, Func<T, string?> errOf)
    {
        using var activity = CosocketTelemetry.Activities.StartActivity("cosocket.deliver");
        activity?.SetTag("cosocket.target", target);
        var result = await send().ConfigureAwait(false);
        CosocketTelemetry.CountDelivery(target, errOf(result));
        activity?.SetTag("cosocket.outcome", errOf(result) ?? "delivered");
        return result;
    }

    /// <summary>
    /// Publishes to every connection subscribed to <paramref name="topic"/> on any node, each once.
    /// A topic this node knows no subscriber of is not published: <see cref="PublishResult.NoSubscribers"/>
    /// on a node alone in its cluster, <see cref="PublishResult.NoSubscribersKnownYet"/> when other
    /// nodes may have subscribed within the last gossip interval. A subscription on this node is
    /// known at once (<see cref="SubscribeAsync"/> completes once the local mediator has it).
    /// </summary>
    public Task<PublishResult> PublishAsync(string topic, Deliver message, TimeSpan? timeout = null) =>
        CountedAsync("topic", () => PublishOnceAsync(topic, message, timeout), r => r.Err);

    private async Task<PublishResult> PublishOnceAsync(string topic, Deliver message, TimeSpan? timeout)
    {
        if (AddressNames.Check("topic", topic) is { } invalid)
            return new PublishResult(invalid);
        CurrentTopics topics;
        try
        {
            topics = await _mediator.Ask<CurrentTopics>(GetTopics.Instance, timeout ?? DefaultTimeout).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            return new PublishResult(DeliveryResult.Timeout);
        }
        // The mediator lists topics by their names in actor paths, URL-encoded ("chat%3Alobby").
        if (!topics.Topics.Contains(topic) && !topics.Topics.Contains(Uri.EscapeDataString(topic)))
        {
            // Alone, this node's view is the whole truth; with other nodes, their subscriptions of
            // the last gossip interval may not be in it yet.
            bool alone = _cluster.State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) <= 1;
            return new PublishResult(alone ? PublishResult.NoSubscribers : PublishResult.NoSubscribersKnownYet);
        }
        _mediator.Tell(new Publish(topic, message));
        return new PublishResult(null);
    }

    /// <summary>Attaches a connection to a user; it is detached when it ends. Completes once the user's
    /// session has it, with the user's number of live connections.</summary>
    /// <exception cref="ArgumentException">The name is not a valid user (<see cref="AddressNames"/>).</exception>
    public async Task<int> AttachUserAsync(string user, IActorRef connection, TimeSpan? timeout = null)
    {
        ThrowIfInvalid("user", user);
        return (await _directory.Ask<Registered>(new RegisterConnection(user, connection), timeout ?? DefaultTimeout).ConfigureAwait(false)).Connections;
    }

    /// <summary>Subscribes a connection to a topic; it is unsubscribed when it ends. Completes once this
    /// node's mediator has it; other nodes learn of it by gossip (about a second).</summary>
    /// <exception cref="ArgumentException">The name is not a valid topic (<see cref="AddressNames"/>).</exception>
    public Task SubscribeAsync(string topic, IActorRef connection, TimeSpan? timeout = null)
    {
        ThrowIfInvalid("topic", topic);
        return _mediator.Ask<SubscribeAck>(new Akka.Cluster.Tools.PublishSubscribe.Subscribe(topic, connection), timeout ?? DefaultTimeout);
    }

    /// <inheritdoc cref="SubscribeAsync"/>
    public Task UnsubscribeAsync(string topic, IActorRef connection, TimeSpan? timeout = null)
    {
        ThrowIfInvalid("topic", topic);
        return _mediator.Ask<UnsubscribeAck>(new Akka.Cluster.Tools.PublishSubscribe.Unsubscribe(topic, connection), timeout ?? DefaultTimeout);
    }

    private static void ThrowIfInvalid(string kind, string name)
    {
        if (AddressNames.Check(kind, name) is { } invalid)
            throw new ArgumentException(invalid, kind);
    }

    private static async Task<T> AskAsync<T>(IActorRef target, object message, TimeSpan? timeout, Func<T> timedOut)
    {
        try
        {
            return await target.Ask<T>(message, timeout ?? DefaultTimeout).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            return timedOut();
        }
    }
}
