using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cosocket.Host.Tests;

/// <summary>A client written byte by byte: it writes what it likes and reads only when told to.</summary>
internal sealed class RawWebSocket : IDisposable
{
    private static readonly byte[] Mask = [0x11, 0x22, 0x33, 0x44];
    private readonly Socket _socket;
    private readonly NetworkStream _stream;

    private RawWebSocket(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public static async Task<RawWebSocket> ConnectAsync(int port, string path)
    {
        var (client, head) = await UpgradeAsync(port, path);
        Assert.StartsWith("HTTP/1.1 101", head, StringComparison.Ordinal);
        return client;
    }

    /// <summary>Asks for an upgrade; the connection and the server's answer (the response head, and
    /// for a refusal its body, which the server closes after).</summary>
    /// <param name="extraHeaders">Header lines, each ending in CRLF.</param>
    public static async Task<(RawWebSocket Client, string Answer)> UpgradeAsync(int port, string path, string extraHeaders = "")
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port).WaitAsync(Peer.Patience);
        var client = new RawWebSocket(socket);
        await client.WriteAsync(Encoding.ASCII.GetBytes(
            $"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" + extraHeaders + "\r\n"));
        string head = "";
        while (!head.EndsWith("\r\n\r\n", StringComparison.Ordinal))
            head += (char)await client.ReadByteAsync().WaitAsync(Peer.Patience);
        if (!head.StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
            head += Encoding.UTF8.GetString(await client.ReadToEndAsync().WaitAsync(Peer.Patience));
        return (client, head);
    }

    private async Task<byte[]> ReadToEndAsync()
    {
        var rest = new MemoryStream();
        await _stream.CopyToAsync(rest);
        return rest.ToArray();
    }

    /// <summary>A masked frame with FIN set.</summary>
    public static byte[] Frame(int opcode, ReadOnlySpan<byte> payload)
    {
        byte[] frame = [.. Header(opcode, payload.Length), .. payload];
        for (int i = 0; i < payload.Length; i++)
            frame[frame.Length - payload.Length + i] ^= Mask[i % 4];
        return frame;
    }

    /// <summary>The header of a masked frame with FIN set, declaring <paramref name="length"/> payload bytes.</summary>
    public static byte[] Header(int opcode, long length)
    {
        var header = new List<byte> { (byte)(0x80 | opcode) };
        if (length <= 125)
            header.Add((byte)(0x80 | length));
        else if (length <= 0xFFFF)
            header.AddRange([0x80 | 126, (byte)(length >> 8), (byte)length]);
        else
        {
            header.Add(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8)
                header.Add((byte)(length >> shift));
        }
        header.AddRange(Mask);
        return [.. header];
    }

    public Task WriteAsync(byte[] bytes) => _stream.WriteAsync(bytes).AsTask().WaitAsync(Peer.Patience);

    /// <summary>A masked text frame with FIN set.</summary>
    public Task SendTextAsync(string text) => WriteAsync(Frame(0x1, Encoding.UTF8.GetBytes(text)));

    // A read given up by TryReadFrameAsync goes on, and the next read takes its frame.
    private Task<(int Opcode, string Data)>? _pending;

    /// <summary>The next frame from the server (unmasked, unfragmented in these tests): its opcode, and its payload as Latin-1 text.</summary>
    public async Task<(int Opcode, string Data)> ReadFrameAsync() =>
        await TryReadFrameAsync(Peer.Patience) ?? throw new TimeoutException("no frame within " + Peer.Patience);

    /// <summary>The next frame, or null when none comes within <paramref name="timeout"/> (the read goes on for the next call).</summary>
    public async Task<(int Opcode, string Data)?> TryReadFrameAsync(TimeSpan timeout)
    {
        _pending ??= ReadNextFrameAsync();
        if (await Task.WhenAny(_pending, Task.Delay(timeout)) != _pending)
            return null;
        var frame = await _pending;
        _pending = null;
        return frame;
    }

    private async Task<(int Opcode, string Data)> ReadNextFrameAsync()
    {
        int b0 = await ReadByteAsync(), b1 = await ReadByteAsync();
        long length = b1 & 0x7F;
        if (length == 126)
            length = (await ReadByteAsync() << 8) | await ReadByteAsync();
        else if (length == 127)
        {
            length = 0;
            for (int i = 0; i < 8; i++)
                length = (length << 8) | (uint)await ReadByteAsync();
        }
        byte[] payload = new byte[length];
        await _stream.ReadExactlyAsync(payload);
        return (b0 & 0x0F, Encoding.Latin1.GetString(payload));
    }

    private async Task<int> ReadByteAsync()
    {
        byte[] one = new byte[1];
        await _stream.ReadExactlyAsync(one);
        return one[0];
    }

    /// <summary>Ends the connection with a reset (SO_LINGER 0): no FIN, no close frame.</summary>
    public void Reset()
    {
        _socket.LingerState = new LingerOption(true, 0);
        _stream.Dispose();
    }

    public void Dispose() => _stream.Dispose();
}
