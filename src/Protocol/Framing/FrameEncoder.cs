using System.Buffers.Binary;

namespace Cosocket.Protocol.Framing;

/// <summary>
/// Frame encoding: the original's <c>build_frame</c> (docs/compatibility.md §1.3) and the validation of its
/// <c>send_frame</c> (§1.4), plus span-based writers that allocate nothing.
/// </summary>
public static class FrameEncoder
{
    /// <summary>2 bytes, 8 of extended length, 4 of masking key.</summary>
    public const int MaxHeaderLength = 14;

    /// <summary>The original supports 31-bit lengths only.</summary>
    public const long MaxFrameLength = int.MaxValue;

    /// <summary>The largest control-frame payload (RFC 6455 §5.5).</summary>
    public const int MaxControlPayloadLength = 125;

    /// <summary>Header length for a payload of <paramref name="payloadLength"/> bytes.</summary>
    public static int GetHeaderLength(long payloadLength, bool masked) =>
        (payloadLength <= 125 ? 2 : payloadLength <= ushort.MaxValue ? 4 : 10) + (masked ? 4 : 0);

    /// <summary>
    /// The checks of the original's <c>send_frame</c>, in its order: the error to return, or null.
    /// <paramref name="maxPayloadLength"/> is the object's <c>max_send_len</c>.
    /// </summary>
    public static string? ValidateSend(bool fin, int opcode, long payloadLength, long maxPayloadLength)
    {
        if (opcode is < 0 or > 0xF)
            return ProtocolErrors.BadOpcode;
        if (payloadLength > maxPayloadLength)
            return ProtocolErrors.PayloadTooBig;
        if ((opcode & 0x8) != 0)
        {
            if (payloadLength > MaxControlPayloadLength)
                return ProtocolErrors.TooMuchControlPayload;
            if (!fin)
                return ProtocolErrors.FragmentedControlFrame;
        }
        if (payloadLength > MaxFrameLength)
            return ProtocolErrors.FailedToBuildFramePrefix + ProtocolErrors.PayloadTooBig;
        return null;
    }

    /// <summary>
    /// Writes a frame header. With <paramref name="maskKey"/> the MASK bit is set and the key follows
    /// the length (a masked frame carries its key even when the payload is empty). RSV bits are 0 but
    /// for <paramref name="compressed"/>, RSV1 (permessage-deflate's "Per-Message Compressed", RFC 7692 §6).
    /// </summary>
    /// <returns>The number of bytes written.</returns>
    public static int WriteHeader(Span<byte> destination, bool fin, int opcode, long payloadLength, uint? maskKey, bool compressed = false)
    {
        if (payloadLength is < 0 or > MaxFrameLength)
            throw new ArgumentOutOfRangeException(nameof(payloadLength), payloadLength, ProtocolErrors.PayloadTooBig);
        if (opcode is < 0 or > 0xF)
            throw new ArgumentOutOfRangeException(nameof(opcode), opcode, ProtocolErrors.BadOpcode);

        destination[0] = (byte)((fin ? 0x80 : 0) | (compressed ? 0x40 : 0) | opcode);
        byte maskBit = maskKey is null ? (byte)0 : (byte)0x80;
        int written;
        if (payloadLength <= 125)
        {
            destination[1] = (byte)(maskBit | payloadLength);
            written = 2;
        }
        else if (payloadLength <= ushort.MaxValue)
        {
            destination[1] = (byte)(maskBit | 126);
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payloadLength);
            written = 4;
        }
        else
        {
            destination[1] = (byte)(maskBit | 127);
            BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)payloadLength);
            written = 10;
        }
        if (maskKey is { } key)
        {
            Masking.WriteKey(destination[written..], key);
            written += 4;
        }
        return written;
    }

    /// <summary>Writes a whole frame, masking the payload during the copy when a key is given.</summary>
    /// <returns>The number of bytes written: header and payload.</returns>
    public static int WriteFrame(Span<byte> destination, bool fin, int opcode, ReadOnlySpan<byte> payload, uint? maskKey, bool compressed = false)
    {
        int header = WriteHeader(destination, fin, opcode, payload.Length, maskKey, compressed);
        Span<byte> body = destination.Slice(header, payload.Length);
        if (maskKey is { } key)
            Masking.Apply(payload, body, key);
        else
            payload.CopyTo(body);
        return header + payload.Length;
    }

    /// <summary>
    /// The original's <c>build_frame(fin, opcode, payload_len, payload, masking)</c>: the length field
    /// comes from <paramref name="payloadLength"/>, not from the payload, and a masked frame gets a
    /// fresh key from <paramref name="keys"/> (default: <see cref="MaskKeyGenerator.Shared"/>).
    /// </summary>
    /// <returns>The frame, or null and <c>"payload too big"</c> for a length over 2^31−1.</returns>
    public static (byte[]? Frame, string? Err) BuildFrame(bool fin, int opcode, long payloadLength, ReadOnlySpan<byte> payload, bool masking, MaskKeyGenerator? keys = null)
    {
        if (payloadLength > MaxFrameLength)
            return (null, ProtocolErrors.PayloadTooBig);
        if (opcode is < 0 or > 0xF)
            return (null, ProtocolErrors.BadOpcode);
        uint? key = masking ? (keys ?? MaskKeyGenerator.Shared).Next() : null;
        var frame = new byte[GetHeaderLength(payloadLength, masking) + payload.Length];
        int header = WriteHeader(frame, fin, opcode, Math.Max(payloadLength, 0), key);
        Span<byte> body = frame.AsSpan(header);
        if (key is { } k)
            Masking.Apply(payload, body, k);
        else
            payload.CopyTo(body);
        return (frame, null);
    }
}
