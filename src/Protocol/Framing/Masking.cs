using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Cosocket.Protocol.Framing;

/// <summary>
/// RFC 6455 §5.3 masking: "octet i of the transformed data is the XOR of octet i of the original
/// data with octet at index i modulo 4 of the masking key". The key is a <see cref="uint"/> whose
/// in-memory (little-endian) bytes are the four key bytes in wire order, so one vector XOR masks
/// 16 or 32 payload bytes at once.
/// </summary>
public static class Masking
{
    /// <summary>Reads a key from its four wire bytes.</summary>
    public static uint ReadKey(ReadOnlySpan<byte> wire) => MemoryMarshal.Read<uint>(wire);

    /// <summary>Writes a key as its four wire bytes.</summary>
    public static void WriteKey(Span<byte> wire, uint key) => MemoryMarshal.Write(wire, in key);

    /// <summary>Masks (or unmasks: XOR is its own inverse) <paramref name="data"/> in place.</summary>
    /// <param name="offset">Position of <paramref name="data"/>[0] in the payload, for data that arrives in pieces.</param>
    public static void Apply(Span<byte> data, uint key, long offset = 0) => Apply(data, data, key, offset);

    /// <summary>Masks <paramref name="source"/> into <paramref name="destination"/> during the copy.
    /// The two may be the same span; any other overlap is not supported.</summary>
    public static void Apply(ReadOnlySpan<byte> source, Span<byte> destination, uint key, long offset = 0)
    {
        if (destination.Length < source.Length)
            throw new ArgumentException("destination is shorter than source", nameof(destination));

        // Rotate so that byte 0 of the rotated key is key byte (offset mod 4).
        key = BitOperations.RotateRight(key, (int)(offset & 3) * 8);
        int length = source.Length;
        ref byte src = ref MemoryMarshal.GetReference(source);
        ref byte dst = ref MemoryMarshal.GetReference(destination);
        nuint i = 0;

        if (Vector256.IsHardwareAccelerated && length >= Vector256<byte>.Count)
        {
            Vector256<byte> mask = Vector256.Create(key).AsByte();
            nuint last = (nuint)(length - 2 * Vector256<byte>.Count);
            for (; (nint)i <= (nint)last; i += (nuint)(2 * Vector256<byte>.Count))
            {
                Vector256<byte> a = Vector256.LoadUnsafe(ref src, i);
                Vector256<byte> b = Vector256.LoadUnsafe(ref src, i + (nuint)Vector256<byte>.Count);
                (a ^ mask).StoreUnsafe(ref dst, i);
                (b ^ mask).StoreUnsafe(ref dst, i + (nuint)Vector256<byte>.Count);
            }
            if ((nint)i <= length - Vector256<byte>.Count)
            {
                (Vector256.LoadUnsafe(ref src, i) ^ mask).StoreUnsafe(ref dst, i);
                i += (nuint)Vector256<byte>.Count;
            }
        }
        if (Vector128.IsHardwareAccelerated && (nint)i <= length - Vector128<byte>.Count)
        {
            Vector128<byte> mask = Vector128.Create(key).AsByte();
            for (; (nint)i <= length - Vector128<byte>.Count; i += (nuint)Vector128<byte>.Count)
                (Vector128.LoadUnsafe(ref src, i) ^ mask).StoreUnsafe(ref dst, i);
        }
        // Every step so far was a multiple of 4, so the key is still in phase.
        for (; (nint)i <= length - 4; i += 4)
        {
            uint word = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref src, i)) ^ key;
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, i), word);
        }
        for (int shift = 0; (nint)i < length; i++, shift += 8)
            Unsafe.Add(ref dst, i) = (byte)(Unsafe.Add(ref src, i) ^ (byte)(key >> shift));
    }
}
