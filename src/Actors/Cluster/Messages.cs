using Akka.Actor;
using Cosocket.Actors.Connections;

namespace Cosocket.Actors.Cluster;

/// <summary>Deliver to every live connection of an application-chosen user key. Answered with a <see cref="DeliveryResult"/>.</summary>
public sealed record SendToUser(string User, Deliver Message) : IClusterMessage;

/// <summary>What publishing to a topic came to: null, or why it was not published.</summary>
public sealed record PublishResult(string? Err)
{
    public const string NoSubscribers = "no subscribers";

    /// <summary>In a cluster of several nodes, this node knows of no subscriber: a subscription made on
    /// another node in the last moment (the mediators' gossip interval, 250 ms) may not have reached it.</summary>
    public const string NoSubscribersKnownYet = "no subscribers known on this node yet";

    public bool Published => Err is null;
}

/// <summary>A user's connection, for its <see cref="UserSession"/>: watched until it ends. Answered
/// with <see cref="Registered"/>.</summary>
public sealed record RegisterConnection(string User, IActorRef Connection) : IClusterMessage;

/// <summary>A connection is registered: the user has this many live connections now.</summary>
public sealed record Registered(string User, IActorRef Connection, int Connections) : IClusterMessage;
