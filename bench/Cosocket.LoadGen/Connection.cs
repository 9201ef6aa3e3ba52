using System.IO.Compression;
using System.Net.Sockets;
using Cosocket.Protocol.Deflate;
using Cosocket.Protocol.Framing;
using Cosocket.Protocol.Handshake;

namespace Cosocket.LoadGen;

/// <summary>A client connection on a raw socket: handshake, masked frames with fresh CSPRNG keys, an incremental decoder.</summary>
internal sealed class Connection : IAsyncDisposable
{
    private readonly Socket _socket;
    /// <summary>What the load generator offers: no context takeover either way, so every message is
    /// compressed alike and its compressed form is made once.</summary>
    private static readonly DeflateParameters Offer = new(ServerNoContextTakeover: true, ClientNoContextTakeover: true);

    private readonly FrameDecoder _decoder = new(new FrameDecoderOptions(MaxPayloadLength: int.MaxValue, AllowRsv1: true));
    private readonly MaskKeyGenerator _keys = new();
    private readonly byte[] _readBuffer = new byte[256 * 1024];
    private int _readStart;
    private int _readEnd;

    private Connection(Socket socket) => _socket = socket;

    /// <summary>True when the server agreed to permessage-deflate.</summary>
    public bool Compressing { get; private set; }

    public static async Task<Connection> OpenAsync(Uri url, bool deflate = false)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(url.Host, url.Port);
        var connection = new Connection(socket);
        string key = HandshakeKeys.NewKey();
        string[]? headers = deflate ? [$"{ExtensionHeader.Name}: {DeflateNegotiation.Offer(Offer)}"] : null;
        var (request, _) = ClientHandshake.BuildRequest(new ClientRequest(url.PathAndQuery, $"{url.Host}:{url.Port}", key, Headers: headers));
        await socket.SendAsync(request!);
        while (true)
        {
            int read = await socket.ReceiveAsync(connection._readBuffer.AsMemory(connection._readEnd));
            if (read == 0)
                throw new IOException("closed during the handshake");
            connection._readEnd += read;
            var response = ClientHandshake.TryReadResponse(connection._readBuffer.AsSpan(0, connection._readEnd), key,
                offeredDeflate: deflate ? Offer : null);
            if (response.Status == HeadReadStatus.Failed)
                throw new IOException(response.Error);
            if (response.Status == HeadReadStatus.Complete)
            {
                connection._readStart = response.Consumed;
                connection.Compressing = response.Deflate is not null;
                return connection;
            }
        }
    }

    public byte[] MakeFrame(int opcode, byte[] payload, bool compressed = false)
    {
        var frame = new byte[FrameEncoder.GetHeaderLength(payload.Length, masked: true) + payload.Length];
        FrameEncoder.WriteFrame(frame, true, opcode, payload, _keys.Next(), compressed);
        return frame;
    }

    /// <summary>A message compressed as RFC 7692 §7.2.1 says, with .NET's DeflateStream (zlib's default level).</summary>
    public static byte[] Deflate(byte[] message)
    {
        using var output = new MemoryStream();
        using var deflate = new DeflateStream(output, CompressionLevel.Optimal, leaveOpen: true);
        deflate.Write(message);
        deflate.Flush(); // a sync flush, taken before disposing writes the stream's final block
        return output.ToArray()[..^4]; // without the flush's 00 00 FF FF
    }

    /// <summary>A compressed message's bytes (§7.2.2: with 00 00 FF FF appended).</summary>
    public static byte[] Inflate(ReadOnlySpan<byte> payload)
    {
        using var input = new MemoryStream([.. payload, 0x00, 0x00, 0xFF, 0xFF]);
        using var inflate = new DeflateStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        var buffer = new byte[16384];
        try
        {
            int read;
            while ((read = inflate.Read(buffer)) > 0)
                output.Write(buffer, 0, read);
        }
        catch (InvalidDataException)
        {
            // DeflateStream reads past the flush point, where a message ends.
        }
        return output.ToArray();
    }

    public ValueTask<int> SendAsync(byte[] frame) => _socket.SendAsync(frame.AsMemory());

    /// <summary>Reads the next whole frame.</summary>
    public async Task<Frame> ReceiveAsync()
    {
        while (true)
        {
            if (_readStart < _readEnd)
            {
                var result = _decoder.Decode(_readBuffer.AsSpan(_readStart, _readEnd - _readStart), out int consumed);
                _readStart += consumed;
                if (result.Status == DecodeStatus.Frame)
                    return result.Frame;
                if (result.Status == DecodeStatus.Error)
                    throw new IOException(result.Error);
            }
            _readStart = _readEnd = 0;
            int read = await _socket.ReceiveAsync(_readBuffer.AsMemory());
            if (read == 0)
                throw new IOException("closed");
            _readEnd = read;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _socket.SendAsync(MakeCloseFrame());
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
        }
        _socket.Dispose();
    }

    private byte[] MakeCloseFrame()
    {
        var frame = new byte[8];
        FrameEncoder.WriteFrame(frame, true, 0x8, [0x03, 0xE8], _keys.Next());
        return frame;
    }
}
