using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Cosocket.Conformance.Tests;

/// <summary>One frame as the peer read it off the wire, unmasked.</summary>
public sealed record WireFrame(bool Fin, int Rsv, int Opcode, bool Masked, byte[] Payload)
{
    public int? CloseCode => Opcode == 0x8 && Payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(Payload) : null;

    public override string ToString() => $"frame fin={Fin} rsv={Rsv} opcode={Opcode} masked={Masked} length={Payload.Length}" +
        (CloseCode is { } code ? $" code={code}" : "");
}

/// <summary>
/// The other end of a connection under test, written independently of Cosocket's own codec (as the
/// Autobahn TestSuite is): it writes frames byte by byte as a case crafts them, in the pieces the
/// case chooses, and reads what comes back. As a client it masks what it sends; as a server it does
/// not, and it checks that what it reads is masked the way RFC 6455 §5.1 requires.
/// </summary>
public sealed class WirePeer : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    // Bytes read and not yet taken: _buffer[_start.._end].
    private byte[] _buffer = new byte[65536];
    private int _start;
    private int _end;

    public WirePeer(Socket socket, bool isClient, byte[] alreadyRead)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        IsClient = isClient;
        Append(alreadyRead);
    }

    private int Buffered => _end - _start;

    private ReadOnlySpan<byte> Available => _buffer.AsSpan(_start, _end - _start);

    /// <summary>True when the peer is the client (the case tests Cosocket's server).</summary>
    public bool IsClient { get; }

    /// <summary>A frame's bytes; <paramref name="length"/> overrides the header's payload length.</summary>
    public byte[] Encode(bool fin, int opcode, byte[] payload, int rsv = 0, long? length = null)
    {
        var bytes = new List<byte> { (byte)((fin ? 0x80 : 0) | (rsv << 4) | opcode) };
        byte maskBit = IsClient ? (byte)0x80 : (byte)0;
        long announced = length ?? payload.Length;
        if (announced <= 125)
            bytes.Add((byte)(maskBit | announced));
        else if (announced <= 0xFFFF)
            bytes.AddRange([(byte)(maskBit | 126), (byte)(announced >> 8), (byte)announced]);
        else
        {
            bytes.Add((byte)(maskBit | 127));
            for (int shift = 56; shift >= 0; shift -= 8)
                bytes.Add((byte)(announced >> shift));
        }
        if (!IsClient)
            return [.. bytes, .. payload];
        byte[] key = RandomNumberGenerator.GetBytes(4);
        var frame = new byte[bytes.Count + 4 + payload.Length];
        bytes.CopyTo(frame);
        key.CopyTo(frame, bytes.Count);
        for (int i = 0; i < payload.Length; i++)
            frame[bytes.Count + 4 + i] = (byte)(payload[i] ^ key[i % 4]);
        return frame;
    }

    public Task SendAsync(bool fin, int opcode, byte[] payload, int rsv = 0) => WriteAsync(Encode(fin, opcode, payload, rsv));

    /// <summary>
    /// Writes <paramref name="bytes"/> in pieces of <paramref name="chop"/> bytes, each its own write.
    /// Once the side under test has closed TCP (it may, failing the connection part-way: RFC 6455
    /// §7.1.7 lets it close without waiting; Kestrel does, where the standalone listener drains), the
    /// rest has nowhere to go and is dropped: what the case reads decides whether that was right.
    /// </summary>
    public async Task WriteAsync(byte[] bytes, int chop = int.MaxValue)
    {
        for (int start = 0; start < bytes.Length; start += chop)
        {
            try
            {
                await _stream.WriteAsync(bytes.AsMemory(start, Math.Min(chop, bytes.Length - start))).AsTask().WaitAsync(Patience);
            }
            catch (IOException closed) when (closed.InnerException is SocketException)
            {
                return;
            }
        }
    }

    /// <summary>Closes this side's TCP connection, as a server does at the end of the close handshake.</summary>
    public void CloseTcp() => _socket.Shutdown(SocketShutdown.Both);

    /// <summary>The next frame; fails if the connection ends first.</summary>
    public async Task<WireFrame> ReceiveAsync()
    {
        var frame = await ReceiveOrEndAsync();
        Assert.True(frame is not null, "the connection ended; a frame was expected");
        return frame;
    }

    /// <summary>The next frame, or null once the other side has closed TCP.</summary>
    public async Task<WireFrame?> ReceiveOrEndAsync()
    {
        if (!await EnsureAsync(2))
        {
            Assert.True(Buffered == 0, $"the connection ended inside a frame header ({Buffered} bytes)");
            return null;
        }
        byte b0 = Available[0], b1 = Available[1];
        int lengthField = b1 & 0x7F;
        int extended = lengthField == 126 ? 2 : lengthField == 127 ? 8 : 0;
        bool masked = (b1 & 0x80) != 0;
        int header = 2 + extended + (masked ? 4 : 0);
        Assert.True(await EnsureAsync(header), "the connection ended inside a frame header");
        long length = extended switch
        {
            0 => lengthField,
            2 => BinaryPrimitives.ReadUInt16BigEndian(Available[2..]),
            _ => (long)BinaryPrimitives.ReadUInt64BigEndian(Available[2..]),
        };
        Assert.True(await EnsureAsync(header + (int)length), "the connection ended inside a frame payload");
        byte[] payload = Available.Slice(header, (int)length).ToArray();
        if (masked)
        {
            byte[] key = Available.Slice(2 + extended, 4).ToArray();
            for (int i = 0; i < payload.Length; i++)
                payload[i] ^= key[i % 4];
        }
        _start += header + (int)length;
        // RFC 6455 §5.1: a client masks every frame; a server masks none.
        Assert.True(masked != IsClient, $"a {(IsClient ? "server" : "client")} sent a frame with mask bit {masked}");
        return new WireFrame((b0 & 0x80) != 0, (b0 >> 4) & 0x7, b0 & 0x0F, masked, payload);
    }

    private async Task<bool> EnsureAsync(int count)
    {
        while (Buffered < count)
        {
            MakeRoom(count);
            int read;
            try
            {
                read = await _stream.ReadAsync(_buffer.AsMemory(_end)).AsTask().WaitAsync(Patience);
            }
            catch (IOException)
            {
                read = 0; // reset by the other side: ended
            }
            if (read == 0)
                return false;
            _end += read;
        }
        return true;
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        MakeRoom(Buffered + bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_end));
        _end += bytes.Length;
    }

    /// <summary>Moves what is buffered to the front, growing the buffer to hold <paramref name="wanted"/> bytes and a read.</summary>
    private void MakeRoom(int wanted)
    {
        int size = Math.Max(_buffer.Length, wanted + 65536);
        if (size > _buffer.Length || _start > 0)
        {
            var buffer = size > _buffer.Length ? new byte[Math.Max(size, _buffer.Length * 2)] : _buffer;
            Available.CopyTo(buffer);
            (_buffer, _end, _start) = (buffer, Buffered, 0);
        }
    }

    public async ValueTask DisposeAsync() => await _stream.DisposeAsync();
}
