using System.Runtime.InteropServices;

namespace Cosocket.Protocol.Framing;

internal static class PayloadArray
{
    /// <summary>The decoder gives each payload an array of its own: hand that array on instead of
    /// copying it; anything else is copied.</summary>
    public static byte[] Of(ReadOnlyMemory<byte> payload) =>
        payload.Length == 0 ? []
        : MemoryMarshal.TryGetArray(payload, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length ? segment.Array
        : payload.ToArray();
}
