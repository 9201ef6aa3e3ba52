using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cosocket.Actors.Tests.Server;

/// <summary>A client that writes raw bytes, as the original's sanity.t did with Perl sockets.</summary>
internal sealed class RawClient : IAsyncDisposable
{
    public const string Key = "x3JJHMbDL1EzLkh9GBhXDw==";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private byte[] _buffered = [];

    private RawClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public static async Task<RawClient> ConnectAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint).WaitAsync(Patience);
        return new RawClient(socket);
    }

    public static string Request(string path = "/s", string extraHeaders = "") =>
        $"GET {path} HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        $"Sec-WebSocket-Key: {Key}\r\nSec-WebSocket-Protocol: chat\r\nSec-WebSocket-Version: 13\r\n" +
        $"Origin: http://example.com\r\n{extraHeaders}\r\n";

    public Task WriteAsync(string text) => WriteAsync(Encoding.Latin1.GetBytes(text));

    public async Task WriteAsync(byte[] bytes) => await _stream.WriteAsync(bytes).AsTask().WaitAsync(Patience);

    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>Reads up to and including the blank line that ends an HTTP head.</summary>
    public async Task<string> ReadHeadAsync()
    {
        while (true)
        {
            int end = _buffered.AsSpan().IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                string head = Encoding.Latin1.GetString(_buffered, 0, end + 4);
                _buffered = _buffered[(end + 4)..];
                return head;
            }
            if (!await FillAsync())
                return Encoding.Latin1.GetString(_buffered);
        }
    }

    public async Task<byte[]> ReadExactlyAsync(int count)
    {
        while (_buffered.Length < count)
        {
            if (!await FillAsync())
                throw new EndOfStreamException($"wanted {count} bytes, got {_buffered.Length}");
        }
        byte[] result = _buffered[..count];
        _buffered = _buffered[count..];
        return result;
    }

    /// <summary>The next unmasked frame from the server: its first byte (FIN, RSV, opcode) and its payload.</summary>
    public async Task<(int B0, byte[] Payload)> ReadFrameAsync()
    {
        byte[] head = await ReadExactlyAsync(2);
        int length = head[1] & 0x7F;
        if (length == 126)
            length = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(await ReadExactlyAsync(2));
        else if (length == 127)
            length = checked((int)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(await ReadExactlyAsync(8)));
        return (head[0], await ReadExactlyAsync(length));
    }

    /// <summary>Reads until the server closes; returns everything after what was already read.</summary>
    public async Task<byte[]> ReadToEndAsync()
    {
        while (await FillAsync())
        {
        }
        byte[] rest = _buffered;
        _buffered = [];
        return rest;
    }

    private async Task<bool> FillAsync()
    {
        var chunk = new byte[65536];
        int read;
        try
        {
            read = await _stream.ReadAsync(chunk).AsTask().WaitAsync(Patience);
        }
        catch (IOException)
        {
            return false;
        }
        if (read == 0)
            return false;
        _buffered = [.. _buffered, .. chunk.AsSpan(0, read)];
        return true;
    }

    public async ValueTask DisposeAsync() => await _stream.DisposeAsync();
}
