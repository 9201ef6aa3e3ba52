namespace Cosocket.Protocol.Deflate;

/// <summary>A raw inflate stream (RFC 1951): the compressed data of messages in, their bytes out,
/// as much as the caller has room for. Not thread-safe.</summary>
/// <remarks>About 7 KiB of state, and a window of 2^bits bytes zlib allocates on first use.</remarks>
internal sealed unsafe class Inflater : ZStreamHandle
{
    public Inflater(CompressionContexts contexts, int windowBits) : base(contexts)
    {
        WindowBits = windowBits;
        Initialized = ZLib.InflateInit2(Stream, -windowBits) == ZLib.Ok;
        if (!Initialized)
            throw new ArgumentOutOfRangeException(nameof(windowBits), windowBits, "zlib refused these inflate parameters");
    }

    public int WindowBits { get; private set; }

    /// <summary>An empty window, for a message that starts without context (or another window size).</summary>
    public void Reset(int windowBits)
    {
        if (ZLib.InflateReset2(Stream, -windowBits) != ZLib.Ok)
            throw new ArgumentOutOfRangeException(nameof(windowBits), windowBits, "zlib refused these inflate parameters");
        WindowBits = windowBits;
    }

    /// <summary>
    /// Inflates from <paramref name="input"/> into <paramref name="output"/> until one runs out.
    /// </summary>
    /// <returns>False when the data is not valid deflate data.</returns>
    public bool Inflate(ReadOnlySpan<byte> input, Span<byte> output, out int consumed, out int written, out bool ended)
    {
        fixed (byte* source = input)
        fixed (byte* destination = output)
        {
            Stream->NextIn = source;
            Stream->AvailIn = (uint)input.Length;
            Stream->NextOut = destination;
            Stream->AvailOut = (uint)output.Length;
            int status = ZLib.Inflate(Stream, ZLib.SyncFlush);
            consumed = input.Length - (int)Stream->AvailIn;
            written = output.Length - (int)Stream->AvailOut;
            Stream->NextIn = null;
            Stream->NextOut = null;
            ended = status == ZLib.StreamEnd;
            return status is ZLib.Ok or ZLib.StreamEnd or ZLib.BufError;
        }
    }

    protected override void End() => ZLib.InflateEnd(Stream);
}
