using System.Text;

namespace Cosocket.Conformance.Tests;

/// <summary>What a case expects of the side under test, read off the wire.</summary>
public static class Expect
{
    public const int Continuation = 0x0, Text = 0x1, Binary = 0x2, Close = 0x8, Ping = 0x9, Pong = 0xA;

    /// <summary>The next message is <paramref name="payload"/> of <paramref name="opcode"/> (its frames
    /// joined), with no control frame before or between them.</summary>
    public static async Task MessageAsync(this WirePeer peer, int opcode, byte[] payload)
    {
        var first = await peer.ReceiveAsync();
        Assert.True(first.Opcode == opcode && first.Rsv == 0, $"expected a message of opcode {opcode}, got {first}");
        var joined = new MemoryStream();
        joined.Write(first.Payload);
        var frame = first;
        while (!frame.Fin)
        {
            frame = await peer.ReceiveAsync();
            Assert.True(frame.Opcode == Continuation, $"expected a continuation, got {frame}");
            joined.Write(frame.Payload);
        }
        Assert.True(payload.AsSpan().SequenceEqual(joined.ToArray()), $"the echo of {payload.Length} bytes came back as {joined.Length} different bytes");
    }

    public static Task MessageAsync(this WirePeer peer, string text) => peer.MessageAsync(Text, Encoding.UTF8.GetBytes(text));

    public static async Task PongAsync(this WirePeer peer, byte[] payload)
    {
        var frame = await peer.ReceiveAsync();
        Assert.True(frame.Opcode == Pong && frame.Fin, $"expected a pong, got {frame}");
        Assert.Equal(payload, frame.Payload);
    }

    /// <summary>
    /// The side under test failed the connection (RFC 6455 §7.1.7): a close frame with
    /// <paramref name="code"/> is the next frame, then it closes TCP.
    /// </summary>
    public static async Task FailureAsync(this WirePeer peer, int code)
    {
        var frame = await peer.ReceiveAsync();
        Assert.True(frame.Opcode == Close && frame.CloseCode == code, $"expected a close with {code}, got {frame}");
        await peer.EndAsync();
    }

    /// <summary>Sends a close and expects the close handshake to complete cleanly.</summary>
    public static async Task CloseNormallyAsync(this WirePeer peer, int code = 1000, string reason = "")
    {
        await peer.SendAsync(true, Close, [(byte)(code >> 8), (byte)code, .. Encoding.UTF8.GetBytes(reason)]);
        await peer.CloseReplyAsync(code);
    }

    /// <summary>
    /// The next frame is the answer to this side's close, echoing <paramref name="code"/> (null: an
    /// empty close); then TCP is closed by the server first (RFC 6455 §7.1.1): the server under test
    /// closes it; against the client under test, this side (the server) does.
    /// </summary>
    public static async Task CloseReplyAsync(this WirePeer peer, int? code)
    {
        var frame = await peer.ReceiveAsync();
        Assert.True(frame.Opcode == Close && frame.CloseCode == code && (code is not null || frame.Payload.Length == 0),
            $"expected a close answering {code?.ToString() ?? "an empty close"}, got {frame}");
        if (peer.IsClient)
            await peer.EndAsync();
        else
            peer.CloseTcp();
    }

    /// <summary>No more frames: the other side closes TCP.</summary>
    public static async Task EndAsync(this WirePeer peer)
    {
        var frame = await peer.ReceiveOrEndAsync();
        Assert.True(frame is null, $"expected the connection to end, got {frame}");
    }
}
