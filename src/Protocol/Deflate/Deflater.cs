using System.Buffers;

namespace Cosocket.Protocol.Deflate;

/// <summary>
/// A raw deflate stream (RFC 1951) that compresses whole messages as RFC 7692 §7.2.1 says: the
/// message's bytes, then a flush, without the flush's final empty block (<c>00 00 FF FF</c>).
/// With context takeover the stream goes on across messages (a sync flush keeps the window);
/// without it each message ends with a full flush, after which the stream compresses as if new, so
/// one deflater serves any number of connections, one message at a time.
/// </summary>
/// <remarks>zlib's deflate state is large (about 256 KiB with a 15-bit window at memory level 8):
/// deflaters are counted against <see cref="CompressionContexts.MaxContexts"/>. Not thread-safe.</remarks>
internal sealed unsafe class Deflater : ZStreamHandle
{
    /// <summary>The empty stored block a flush ends with (RFC 7692 §7.2.1).</summary>
    internal static ReadOnlySpan<byte> FlushTail => [0x00, 0x00, 0xFF, 0xFF];

    public Deflater(CompressionContexts contexts, DeflateKey key) : base(contexts)
    {
        Key = key;
        Initialized = ZLib.DeflateInit(Stream, key.Level, key.WindowBits, key.MemoryLevel) == ZLib.Ok;
        if (!Initialized)
            throw new ArgumentOutOfRangeException(nameof(key), key, "zlib refused these deflate parameters");
    }

    public DeflateKey Key { get; }

    /// <summary>
    /// <paramref name="message"/> compressed, without the flush tail; null when it would not be
    /// smaller and <paramref name="keepContext"/> is false (the stream is then as it was: a full flush
    /// leaves nothing of the message behind).
    /// </summary>
    public byte[]? Compress(ReadOnlySpan<byte> message, bool keepContext)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(256, message.Length + message.Length / 8 + 64));
        int written = 0;
        try
        {
            fixed (byte* input = message)
            {
                Stream->NextIn = input;
                Stream->AvailIn = (uint)message.Length;
                int flush = keepContext ? ZLib.SyncFlush : ZLib.FullFlush;
                while (true)
                {
                    if (written == buffer.Length)
                        PooledBuffer.Grow(ref buffer, written, buffer.Length * 2);
                    fixed (byte* output = &buffer[written])
                    {
                        Stream->NextOut = output;
                        Stream->AvailOut = (uint)(buffer.Length - written);
                        int status = ZLib.Deflate(Stream, flush);
                        written = buffer.Length - (int)Stream->AvailOut;
                        if (status is not (ZLib.Ok or ZLib.BufError))
                            throw new InvalidOperationException($"zlib deflate failed ({status})");
                    }
                    // A flush is complete when deflate leaves output space unused (zlib's rule).
                    if (Stream->AvailIn == 0 && Stream->AvailOut > 0)
                        break;
                }
                Stream->NextIn = null;
                Stream->NextOut = null;
            }
            int length = written >= FlushTail.Length && buffer.AsSpan(written - FlushTail.Length, FlushTail.Length).SequenceEqual(FlushTail)
                ? written - FlushTail.Length
                : written;
            if (!keepContext && length >= message.Length)
                return null;
            return buffer.AsSpan(0, length).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected override void End() => ZLib.DeflateEnd(Stream);
}

/// <summary>What a deflater is made with: deflaters alike are interchangeable without context takeover.</summary>
/// <param name="Level">zlib's compression level, 0 (store) to 9 (smallest).</param>
/// <param name="WindowBits">The LZ77 window, 9 to 15 (zlib refuses 8 for raw deflate).</param>
/// <param name="MemoryLevel">zlib's memory level, 1 to 9: its hash table and buffers grow with it.</param>
internal readonly record struct DeflateKey(int Level, int WindowBits, int MemoryLevel);
