using System.Buffers;

namespace Cosocket.Protocol.Deflate;

/// <summary>Output buffers rented from the shared pool, grown as zlib fills them.</summary>
internal static class PooledBuffer
{
    /// <summary>A pooled buffer of at least <paramref name="size"/> bytes in place of <paramref name="buffer"/>,
    /// its first <paramref name="used"/> bytes copied over; the old one goes back to the pool.</summary>
    public static void Grow(ref byte[] buffer, int used, int size)
    {
        byte[] larger = ArrayPool<byte>.Shared.Rent(size);
        buffer.AsSpan(0, used).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(buffer);
        buffer = larger;
    }
}
