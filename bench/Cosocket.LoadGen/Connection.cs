using System.Net.Sockets;
using Cosocket.Protocol.Framing;
using Cosocket.Protocol.Handshake;

namespace Cosocket.LoadGen;

/// <summary>A client connection on a raw socket: handshake, masked frames with fresh CSPRNG keys, an incremental decoder.</summary>
internal sealed class Connection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly FrameDecoder _decoder = new(new FrameDecoderOptions(MaxPayloadLength: int.MaxValue));
    private readonly MaskKeyGenerator _keys = new();
    private readonly byte[] _readBuffer = new byte[256 * 1024];
    private int _readStart;
    private int _readEnd;

    private Connection(Socket socket) => _socket = socket;

    public static async Task<Connection> OpenAsync(Uri url)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(url.Host, url.Port);
        var connection = new Connection(socket);
        string key = HandshakeKeys.NewKey();
        var (request, _) = ClientHandshake.BuildRequest(new ClientRequest(url.PathAndQuery, $"{url.Host}:{url.Port}", key));
        await socket.SendAsync(request!);
        while (true)
        {
            int read = await socket.ReceiveAsync(connection._readBuffer.AsMemory(connection._readEnd));
            if (read == 0)
                throw new IOException("closed during the handshake");
            connection._readEnd += read;
            var response = ClientHandshake.TryReadResponse(connection._readBuffer.AsSpan(0, connection._readEnd), key);
            if (response.Status == HeadReadStatus.Failed)
                throw new IOException(response.Error);
            if (response.Status == HeadReadStatus.Complete)
            {
                connection._readStart = response.Consumed;
                return connection;
            }
        }
    }

    public byte[] MakeFrame(int opcode, byte[] payload)
    {
        var frame = new byte[FrameEncoder.GetHeaderLength(payload.Length, masked: true) + payload.Length];
        FrameEncoder.WriteFrame(frame, true, opcode, payload, _keys.Next());
        return frame;
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
