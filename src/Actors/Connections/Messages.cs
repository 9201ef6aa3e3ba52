using Akka.Actor;
using Cosocket.Protocol;

namespace Cosocket.Actors.Connections;

// What other code Tells a connection actor, and what it hears back. Each command that sends answers
// the sender (unless it is NoSender) with a SendResult: the bytes written, or the seed's error.

/// <summary>Send a text message as one frame.</summary>
public sealed record SendText(string Text);

/// <summary>Send a binary message as one frame.</summary>
public sealed record SendBinary(ReadOnlyMemory<byte> Data);

/// <summary>Send a ping.</summary>
public sealed record SendPing(ReadOnlyMemory<byte> Data = default);

/// <summary>
/// Send a close frame (no code: an empty payload) and then close the connection: what is queued
/// is written, the sending side is shut down, and the peer has <see cref="FrameOptions.CloseTimeout"/>
/// to close its side before the connection is cut.
/// </summary>
public sealed record CloseConnection(int? Code = CloseStatus.NormalClosure, string? Reason = null);

/// <summary>From now on, what the connection receives is also told to <paramref name="Subscriber"/>:
/// every frame as <see cref="FrameReceived"/> when the handler reads frames, every whole message as
/// <see cref="MessageReceived"/> when it reads messages. Watch the connection actor to learn when
/// the connection ends.</summary>
public sealed record Subscribe(IActorRef Subscriber);

public sealed record Unsubscribe(IActorRef Subscriber);

/// <summary>A frame the connection received, as <c>recv_frame</c> returned it.</summary>
public sealed record FrameReceived(string ConnectionId, RecvFrameResult Frame);

/// <summary>A message the connection received, as <c>ReceiveMessageAsync</c> returned it.</summary>
public sealed record MessageReceived(string ConnectionId, MessageResult Message);
