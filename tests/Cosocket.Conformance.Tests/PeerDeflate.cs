using System.IO.Compression;

namespace Cosocket.Conformance.Tests;

/// <summary>
/// permessage-deflate as the peer does it (RFC 7692 §7.2), with .NET's <see cref="DeflateStream"/>:
/// written apart from Cosocket's zlib binding. <see cref="DeflateStream"/> always uses a 15-bit
/// window, so when the peer's own window was limited below that it sends uncompressed, as §6 allows.
/// </summary>
internal sealed class PeerDeflate(bool sendTakeover, bool canCompress, bool receiveTakeover)
{
    private static readonly byte[] Tail = [0x00, 0x00, 0xFF, 0xFF];

    private MemoryStream? _compressed;
    private DeflateStream? _deflate;
    private FeedStream? _feed;
    private DeflateStream? _inflate;

    /// <summary>The message's compressed payload, or null to send it uncompressed.</summary>
    public byte[]? Compress(byte[] message)
    {
        if (!canCompress)
            return null;
        if (_deflate is null || !sendTakeover)
        {
            _compressed = new MemoryStream();
            _deflate = new DeflateStream(_compressed, CompressionLevel.Optimal, leaveOpen: true);
        }
        int start = (int)_compressed!.Length;
        _deflate.Write(message);
        _deflate.Flush(); // a sync flush: the message ends on a byte boundary with 00 00 FF FF
        byte[] bytes = _compressed.ToArray()[start..];
        Assert.True(bytes.AsSpan().EndsWith(Tail), "a sync flush ends with 00 00 FF FF");
        return bytes[..^Tail.Length];
    }

    /// <summary>A compressed message's payload, inflated (§7.2.2: with the tail appended).</summary>
    public byte[] Decompress(byte[] payload)
    {
        if (_inflate is null || !receiveTakeover)
        {
            _feed = new FeedStream();
            _inflate = new DeflateStream(_feed, CompressionMode.Decompress);
        }
        _feed!.Feed([.. payload, .. Tail]);
        var output = new MemoryStream();
        var buffer = new byte[16384];
        int read;
        while ((read = _inflate.Read(buffer)) > 0)
            output.Write(buffer, 0, read);
        return output.ToArray();
    }

    /// <summary>Bytes appended as they arrive; a read with none left returns 0, and later ones see what was fed since.</summary>
    private sealed class FeedStream : Stream
    {
        private readonly Queue<byte> _bytes = new();

        public void Feed(byte[] bytes)
        {
            foreach (byte b in bytes)
                _bytes.Enqueue(b);
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = 0;
            while (n < count && _bytes.TryDequeue(out byte b))
                buffer[offset + n++] = b;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
