using Akka.IO;

namespace Cosocket.Actors.Pipeline;

/// <summary>
/// An encoded frame on its way to the socket. <see cref="Written"/>, when given, completes with the
/// frame's byte count once the socket has taken it, or fails with the transport's error, so a caller
/// is never told a frame was sent that was not.
/// </summary>
internal sealed record OutgoingFrame(ByteString Bytes, TaskCompletionSource<int>? Written = null);
