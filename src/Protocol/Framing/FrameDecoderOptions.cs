namespace Cosocket.Protocol.Framing;

/// <summary>What a <see cref="FrameDecoder"/> accepts.</summary>
/// <param name="MaxPayloadLength">
/// Largest payload accepted, checked against the header before any payload byte is buffered, so a
/// peer cannot make us allocate more than this per frame. The seed's server default is 65535
/// (<c>max_payload_len</c>); a length equal to the limit is accepted.
/// </param>
/// <param name="ForceMasking">
/// Reject unmasked frames with "frame unmasked". RFC 6455 §5.1: "The server MUST close the connection
/// upon receiving a frame that is not masked"; the server sets this, the client does not.
/// </param>
/// <param name="AllowRsv1">
/// Accept RSV1, for a connection that negotiated permessage-deflate (RFC 7692 §6). RFC 6455 §5.2:
/// reserved bits "MUST be 0 unless an extension is negotiated that defines meanings for non-zero values."
/// </param>
public sealed record FrameDecoderOptions(long MaxPayloadLength = FrameDecoderOptions.DefaultMaxPayloadLength, bool ForceMasking = false, bool AllowRsv1 = false)
{
    /// <summary>The seed's server default for <c>max_payload_len</c>.</summary>
    public const long DefaultMaxPayloadLength = 65535;
}
