using System.Text;
using Akka.Actor;

namespace Cosocket.Actors.Cluster;

/// <summary>The messages that cross nodes. They, and nothing else of Cosocket's, go through
/// <see cref="ClusterMessageSerializer"/>; frames never leave the node that owns the socket.</summary>
public interface IClusterMessage;

/// <summary>
/// An application message for a WebSocket connection: its actor sends it to the peer as one text or
/// binary message. Told by anyone, anywhere in the cluster; no answer.
/// </summary>
public sealed record Deliver(bool IsText, byte[] Data) : IClusterMessage
{
    public static Deliver Text(string text) => new(true, Encoding.UTF8.GetBytes(text));

    public static Deliver Binary(byte[] data) => new(false, data);
}

/// <summary>A request for the connection with this id, on whichever node owns it.</summary>
public interface IConnectionRequest : IClusterMessage
{
    string ConnectionId { get; }
}

/// <summary>Deliver to the connection with this id, on whichever node owns it. Answered with a <see cref="DeliveryResult"/>.</summary>
public sealed record SendToConnection(string ConnectionId, Deliver Message) : IConnectionRequest;

/// <summary>Who the connection with this id was authenticated as. Answered with a <see cref="ConnectionIdentityResult"/>.</summary>
public sealed record GetConnectionIdentity(string ConnectionId) : IConnectionRequest;

/// <summary>
/// The identity a connection was authenticated as at its handshake: its user and its token's claims
/// (type, value), both empty for an anonymous connection; or why there is no answer
/// (<see cref="DeliveryResult.NoSuchConnection"/>, <see cref="DeliveryResult.Timeout"/>).
/// </summary>
public sealed record ConnectionIdentityResult(string ConnectionId, string? User, IReadOnlyList<KeyValuePair<string, string>> Claims, string? Err)
    : IClusterMessage
{
    public static ConnectionIdentityResult Failure(string connectionId, string err) => new(connectionId, null, [], err);
}

/// <summary>Deliver to every live connection of an application-chosen user key. Answered with a <see cref="DeliveryResult"/>.</summary>
public sealed record SendToUser(string User, Deliver Message) : IClusterMessage;

/// <summary>How many connections a message was handed to, or why none.</summary>
public sealed record DeliveryResult(int Delivered, string? Err) : IClusterMessage
{
    public const string NoSuchConnection = "no such connection";
    public const string NoSuchUser = "no such user";
    public const string Timeout = "timeout";

    /// <summary>The connection is closing or closed: it takes no more messages.</summary>
    public const string Closed = Transport.SocketErrors.Closed;

    /// <summary>The connection's outgoing byte budget was spent: the message was not queued, and the
    /// connection is being closed with 1008 (<see cref="Connections.FrameConnectionActor.SlowConsumer"/>).</summary>
    public const string SlowConsumer = Connections.FrameConnectionActor.SlowConsumer;

    public static DeliveryResult Failure(string err) => new(0, err);
}

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
