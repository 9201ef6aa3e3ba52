using Akka.IO;

namespace Cosocket.Actors.Pipeline;

/// <summary>
/// An encoded frame on its way to the socket. <see cref="Written"/>, when given, is told the frame's
/// byte count once the socket has taken it, or the transport's error, so a caller is never told a
/// frame was sent that was not. <see cref="Token"/> tells a reusable observer which of its writes
/// this was.
/// </summary>
internal sealed record OutgoingFrame(ByteString Bytes, IWriteObserver? Written = null, short Token = 0);

/// <summary>Told what became of a queued frame: written (its byte count) or failed.</summary>
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
