namespace Cosocket.Protocol.Framing;

public enum DecodeStatus
{
    /// <summary>All input was consumed and the frame is not complete yet; the decoder keeps what it has.</summary>
    NeedMoreData,
    /// <summary>A frame is complete: see <see cref="DecodeResult.Frame"/>.</summary>
    Frame,
    /// <summary>The stream violates the protocol: see <see cref="DecodeResult.Error"/>. The decoder stays failed.</summary>
    Error,
    /// <summary>
    /// The decoder's <see cref="Messages.MessageValidator"/> found a message-layer violation: see
    /// <see cref="DecodeResult.Violation"/>. Framing is intact, so decoding goes on (the frame API
    /// ignores these; the message layer fails the connection).
    /// </summary>
    Violation,
    /// <summary>
    /// Not the decoder's: the input ended (EOF, a reset, this side cutting the connection) before or
    /// inside a frame; <see cref="DecodeResult.Error"/> says so in the seed's words
    /// (<see cref="FrameDecoder.DescribeReadFailure"/>). No close frame is owed for it.
    /// </summary>
    Ended,
}

public readonly record struct DecodeResult(DecodeStatus Status, Frame Frame, string? Error, Messages.Violation Violation = default)
{
    public static DecodeResult NeedMoreData => default;
    public static DecodeResult Of(Frame frame) => new(DecodeStatus.Frame, frame, null);
    public static DecodeResult Failed(string error) => new(DecodeStatus.Error, default, error);
    public static DecodeResult InputEnded(string error) => new(DecodeStatus.Ended, default, error);
    public static DecodeResult Violated(Messages.Violation violation) => new(DecodeStatus.Violation, default, null, violation);
}
