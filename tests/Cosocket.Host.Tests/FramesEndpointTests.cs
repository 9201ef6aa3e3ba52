using System.Net.Sockets;
using System.Text;
using Cosocket.Protocol.Framing;

namespace Cosocket.Host.Tests;

/// <summary>/frames works at frame level: what comes back is the frames as they were sent.</summary>
public class FramesEndpointTests
{
    private static byte[] Masked(bool fin, int opcode, string text) =>
        FrameEncoder.BuildFrame(fin, opcode, Encoding.UTF8.GetByteCount(text), Encoding.UTF8.GetBytes(text), masking: true).Frame!;

    /// <summary>Sends the upgrade and <paramref name="frames"/> in one write; returns what comes back after the 101, up to the server's close of TCP.</summary>
    private static async Task<byte[]> ExchangeAsync(RunningHost host, string path, byte[] frames)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(host.EndPoint);
        await using var stream = new NetworkStream(socket);
        string request = $"GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
        byte[] bytes = [.. Encoding.ASCII.GetBytes(request), .. frames];
        await stream.WriteAsync(bytes);

        using var reader = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(15))) > 0)
            reader.Write(buffer, 0, read);
        string all = Encoding.Latin1.GetString(reader.ToArray());
        Assert.StartsWith("HTTP/1.1 101 Switching Protocols\r\n", all);
        Assert.Contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n", all);
        return reader.ToArray()[(all.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
    }

    [Fact]
    public async Task FragmentsComeBackAsFragments_AndCloseIsAnswered()
    {
        await using var host = await RunningHost.StartAsync();
        var frames = await ExchangeAsync(host, "/frames", [.. Masked(false, 0x1, "Hel"), .. Masked(true, 0x0, "lo"), .. Masked(true, 0x9, "p"), .. Masked(true, 0x8, "")]);
        Assert.Equal([0x01, 0x03, .. "Hel"u8, 0x80, 0x02, .. "lo"u8, 0x8A, 0x01, (byte)'p', 0x88, 0x11, 0x03, 0xE8, .. "enough, enough!"u8], frames);
    }

    [Theory] // RFC 6455 §5.4: /echo refuses fragments out of order with 1002 instead of echoing them
    [InlineData("continuation without a start", "continuation frame without a message to continue")]
    [InlineData("text inside a fragmented message", "new data frame inside a fragmented message")]
    public async Task Echo_FragmentsOutOfOrder_AreClosedWith1002(string name, string reason)
    {
        await using var host = await RunningHost.StartAsync();
        byte[] sent = name.StartsWith("continuation")
            ? Masked(true, 0x0, "orphan")
            : [.. Masked(false, 0x1, "first"), .. Masked(true, 0x1, "second")];
        var frames = await ExchangeAsync(host, "/echo", sent);
        byte[] reasonBytes = Encoding.UTF8.GetBytes(reason);
        Assert.Equal([0x88, (byte)(2 + reasonBytes.Length), 0x03, 0xEA, .. reasonBytes], frames);
    }
}
