using Cosocket.Protocol.Framing;

namespace Cosocket.Protocol.Connection;

/// <summary>Which end of the connection this side is. It decides masking (RFC 6455 §5.1) and who
/// closes TCP first (§7.1.1).</summary>
public enum Role
{
    Server,
    Client,
}

/// <summary>The life of a connection, as RFC 6455 §4 and §7 describe it.</summary>
public enum ConnectionState
{
    /// <summary>The opening handshake is not done yet: nothing is decoded or sent.</summary>
    Connecting,

    /// <summary>Frames flow both ways.</summary>
    Open,

    /// <summary>A close frame was sent or received, a failure was found, or this side finished
    /// sending: no new message goes out.</summary>
    Closing,

    /// <summary>The transport is closed, or about to be: nothing more goes in or out.</summary>
    Closed,
}

/// <summary>How received frames are handed on. The first receive picks it for good.</summary>
public enum ReceiveMode
{
    /// <summary>No receive yet: frames are decoded and held, and nothing is answered, until one comes.</summary>
    Undecided,

    /// <summary>The seed's <c>recv_frame</c>: every frame as it came; pings, pongs and closes are the application's.</summary>
    Frames,

    /// <summary>The message layer: whole validated messages; pings answered, the close handshake done here.</summary>
    Messages,
}

/// <summary>The deadlines the protocol asks its host to arm.</summary>
public enum ProtocolTimer
{
    /// <summary>The peer's time to finish closing once this side has closed or failed (the close timeout).</summary>
    Close,

    /// <summary>The next keepalive ping.</summary>
    Ping,

    /// <summary>The keepalive ping's answer is due.</summary>
    Pong,
}

/// <summary>What the host must do with the transport. Each value includes the ones before it.</summary>
public enum TransportAction
{
    None,

    /// <summary>Write what is queued, then shut the sending side down (TCP FIN); keep reading to the peer's end.</summary>
    ShutdownAfterWrite,

    /// <summary>Write what is queued, then cut the connection (the peer is gone: waiting for it is pointless).</summary>
    AbortAfterWrite,

    /// <summary>Cut the connection now.</summary>
    Abort,
}

/// <summary>What became of a send handed to the protocol.</summary>
public enum SendStatus
{
    Queued,

    /// <summary>The message layer has sent its close frame: RFC 6455 §5.5.1, no data frame may follow it.</summary>
    AlreadyClosed,

    /// <summary>The sending side is shut down, or the connection has ended.</summary>
    Closed,
}

/// <summary>What a connection is: its role and limits. The defaults live in the options records of the
/// API that creates connections; this type holds no default of its own.</summary>
/// <param name="MaxPayloadLength">The largest frame payload received (the seed's <c>max_recv_len</c>).</param>
/// <param name="MaxMessageLength">The largest message the message layer assembles, all fragments together.</param>
/// <param name="ValidateUtf8">Whether text and close reasons are checked for UTF-8 (RFC 6455 §5.6, §8.1).</param>
/// <param name="MaskSends">Whether sent frames are masked (clients MUST, §5.3; the seed lets a server too).</param>
/// <param name="CloseTimeout">Once this side has closed: the peer's time to finish before the connection is cut.</param>
/// <param name="PingInterval">Keepalive pings at this interval; null sends none.</param>
/// <param name="PongTimeout">How long after a keepalive ping the peer has to show it is alive.</param>
/// <param name="Deflate">How messages are compressed, when the handshake negotiated permessage-deflate; null when it did not.</param>
public sealed record ProtocolSettings(Role Role, long MaxPayloadLength, long MaxMessageLength, bool ValidateUtf8, bool MaskSends,
    TimeSpan CloseTimeout, TimeSpan? PingInterval, TimeSpan PongTimeout, Deflate.DeflateSettings? Deflate = null);

/// <summary>What a <see cref="ProtocolEvent"/> carries.</summary>
public enum ProtocolEventKind
{
    /// <summary>A frame as it came (<see cref="ReceiveMode.Frames"/>): <see cref="ProtocolEvent.Frame"/>.</summary>
    Frame,

    /// <summary>A whole message (<see cref="ReceiveMode.Messages"/>): <see cref="ProtocolEvent.Opcode"/> and <see cref="ProtocolEvent.Payload"/>.</summary>
    Message,

    /// <summary>The peer's close frame (<see cref="ReceiveMode.Messages"/>), already answered:
    /// <see cref="ProtocolEvent.Code"/> and the reason in <see cref="ProtocolEvent.Payload"/>.</summary>
    Close,

    /// <summary>The input is over: <see cref="ProtocolEvent.ErrorKind"/>, the words in
    /// <see cref="ProtocolEvent.Error"/>, and, when this side sent a close for it, its <see cref="ProtocolEvent.Code"/>.
    /// Nothing follows it.</summary>
    Error,
}

/// <summary>One output of the protocol for the application.</summary>
public readonly record struct ProtocolEvent(ProtocolEventKind Kind, Frame Frame, Opcode Opcode, byte[]? Payload, ErrorKind ErrorKind, ushort? Code, string? Error)
{
    internal static ProtocolEvent OfFrame(in Frame frame) => new(ProtocolEventKind.Frame, frame, frame.Opcode, null, ErrorKind.None, null, null);

    internal static ProtocolEvent OfMessage(Opcode opcode, byte[] payload) => new(ProtocolEventKind.Message, default, opcode, payload, ErrorKind.None, null, null);

    internal static ProtocolEvent OfClose(ushort? code, byte[] reason) => new(ProtocolEventKind.Close, default, Opcode.Close, reason, ErrorKind.None, code, null);

    internal static ProtocolEvent OfError(ErrorKind kind, ushort? code, string error) => new(ProtocolEventKind.Error, default, default, null, kind, code, error);
}

/// <summary>
/// Bytes for the transport, in order. <see cref="Tag"/> is what the host handed in with the send
/// these bytes end (null on the protocol's own frames and on every chunk but a send's last), and
/// <see cref="SendLength"/> that send's whole length, headers included: once this chunk is written,
/// the send is.
/// </summary>
public readonly record struct OutgoingData(ReadOnlyMemory<byte> Bytes, object? Tag, int SendLength)
{
    /// <summary>An automatic pong: it may be replaced by a newer one while it waits (RFC 6455 §5.5.3).</summary>
    internal bool IsPong { get; init; }
}

/// <summary>A timer to arm (<see cref="Delay"/>) or to cancel (null).</summary>
public readonly record struct TimerRequest(ProtocolTimer Timer, TimeSpan? Delay);

/// <summary>Which side started the close handshake, and its code (null: a close without one).</summary>
public readonly record struct CloseOrigin(bool ByPeer, ushort? Code);
