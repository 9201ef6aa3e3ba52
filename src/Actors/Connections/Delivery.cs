using System.Text;

namespace Cosocket.Actors.Connections;

// What a connection answers from anywhere in the cluster: messages to deliver, questions about it,
// and the results. They cross nodes, so they are serialized (IClusterMessage).

/// <summary>The messages that cross nodes. They, and nothing else of Cosocket's, go through
/// Cosocket's cluster serializer; frames never leave the node that owns the socket.</summary>
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

/// <summary>How many connections a message was handed to, or why none.</summary>
public sealed record DeliveryResult(int Delivered, string? Err) : IClusterMessage
{
    public const string NoSuchConnection = "no such connection";
    public const string NoSuchUser = "no such user";
    public const string Timeout = "timeout";

    /// <summary>The connection is closing or closed: it takes no more messages.</summary>
    public const string Closed = Transport.SocketErrors.Closed;

    /// <summary>The connection's outgoing byte budget was spent: the message was not queued, and the
    /// connection is being closed with 1008 and this reason (<see cref="FrameOptions.MaxOutgoingBytes"/>).</summary>
    public const string SlowConsumer = "slow consumer";

    public static DeliveryResult Failure(string err) => new(0, err);
}
