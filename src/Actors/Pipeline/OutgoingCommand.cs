using Cosocket.Protocol;

namespace Cosocket.Actors.Pipeline;

/// <summary>What a command asks of the connection's protocol.</summary>
internal enum CommandKind
{
    /// <summary>One frame as given (the seed's <c>send_frame</c>, a <c>Tell</c>ed ping).</summary>
    Frame,

    /// <summary>One message, fragmented at <see cref="OutgoingCommand.FragmentSize"/>.</summary>
    Message,

    /// <summary>Start the close handshake with <see cref="OutgoingCommand.Code"/> and <see cref="OutgoingCommand.Reason"/>.</summary>
    Close,

    /// <summary>Fail the connection with <see cref="OutgoingCommand.Code"/> and <see cref="OutgoingCommand.Reason"/> (a policy of this side).</summary>
    Fail,

    /// <summary>Send nothing more: shut the sending side down after what is queued.</summary>
    Finish,

    /// <summary>The reader has taken the peer's close or a violation, after the answers to what came before it.</summary>
    Acknowledge,
}

/// <summary>
/// A send or a decision on its way to the connection's protocol stage, which encodes it in order
/// with every other. <see cref="Written"/>, when given, is told the byte count once the socket has
/// taken the last of it, or why it was not sent, so a caller is never told a frame was sent that was
/// not. <see cref="Token"/> tells a reusable observer which of its writes this was.
/// </summary>
/// <remarks>The payload is not copied: it must not change until the send completes. A
/// <see cref="Shared"/> payload goes to many connections (a delivered message): compressed once for all.</remarks>
internal sealed record OutgoingCommand(CommandKind Kind, Opcode Opcode = default, ReadOnlyMemory<byte> Payload = default, bool Fin = true,
    int FragmentSize = int.MaxValue, ushort Code = 0, string? Reason = null, IWriteObserver? Written = null, short Token = 0, bool Shared = false)
{
    /// <summary>What the command counts against the outgoing byte budget.</summary>
    public int Length => Payload.Length;
}

/// <summary>Told what became of a queued command: written (its byte count) or failed.</summary>
internal interface IWriteObserver
{
    void OnWritten(int bytes, short token);

    void OnFailed(Exception error, short token);
}

/// <summary>A one-time observer: a task of the byte count (a <c>Tell</c>ed send that is answered, a close to wait for).</summary>
internal sealed class WriteCompletion : TaskCompletionSource<int>, IWriteObserver
{
    public void OnWritten(int bytes, short token) => TrySetResult(bytes);

    public void OnFailed(Exception error, short token) => TrySetException(error);
}

/// <summary>The protocol refused a message send: the message layer has sent its close (RFC 6455 §5.5.1).</summary>
internal sealed class AlreadyClosedException() : InvalidOperationException("already closed");
