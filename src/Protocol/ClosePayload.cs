using System.Buffers.Binary;

namespace Cosocket.Protocol;

/// <summary>Close-frame bodies (RFC 6455 §5.5.1) as the seed's <c>send_close(code, msg)</c> builds them (docs/compatibility.md §2.3).</summary>
public static class ClosePayload
{
    /// <summary>The largest code the seed accepts: it refuses codes over 0x7FFF.</summary>
    public const int MaxSeedCode = 0x7FFF;

    /// <summary>
    /// The body for <c>send_close(code, msg)</c>: empty when <paramref name="code"/> is null (the
    /// reason is then ignored, as in the original), else the big-endian code and the reason. A code
    /// over 0x7FFF is the seed's <c>"bad status code"</c>; smaller ones, negative ones included
    /// (sent as two's complement), are not checked here.
    /// </summary>
    public static (byte[]? Payload, string? Err) Build(int? code, ReadOnlySpan<byte> reason)
    {
        if (code is null)
            return ([], null);
        if (code > MaxSeedCode)
            return (null, ProtocolErrors.BadStatusCode);
        var payload = new byte[2 + reason.Length];
        BinaryPrimitives.WriteUInt16BigEndian(payload, unchecked((ushort)code.Value));
        reason.CopyTo(payload.AsSpan(2));
        return (payload, null);
    }
}
