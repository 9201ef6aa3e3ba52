namespace Cosocket.Protocol.Framing;

/// <summary>One decoded frame. The payload is already unmasked.</summary>
/// <param name="Fin">RFC 6455 §5.2 FIN: this is the final fragment of a message.</param>
/// <param name="Masked">Whether the frame arrived masked (the original logs this as "mask bit").</param>
/// <param name="CloseCode">For a close frame with a body, its status code (§5.5.1); otherwise null.</param>
/// <param name="Compressed">RSV1, which permessage-deflate names "Per-Message Compressed" (RFC 7692 §6):
/// set on the first frame of a compressed message. Only a connection that negotiated it accepts it.</param>
public readonly record struct Frame(bool Fin, Opcode Opcode, bool Masked, ReadOnlyMemory<byte> Payload, ushort? CloseCode, bool Compressed = false)
{
    /// <summary>For a close frame, the reason after the 2-byte code (empty when there is none);
    /// for any other frame, the whole payload.</summary>
    public ReadOnlyMemory<byte> Data => CloseCode is null ? Payload : Payload[2..];
}
