namespace Cosocket.Protocol.Framing;

public enum DecodeStatus
{
    /// <summary>All input was consumed and the frame is not complete yet; the decoder keeps what it has.</summary>
    NeedMoreData,
    /// <summary>A frame is complete: see <see cref="DecodeResult.Frame"/>.</summary>
    Frame,
    /// <summary>The stream violates the protocol: see <see cref="DecodeResult.Error"/>. The decoder stays failed.</summary>
    Error,
}

public readonly record struct DecodeResult(DecodeStatus Status, Frame Frame, string? Error)
{
    public static DecodeResult NeedMoreData => default;
    public static DecodeResult Of(Frame frame) => new(DecodeStatus.Frame, frame, null);
    public static DecodeResult Failed(string error) => new(DecodeStatus.Error, default, error);
}
