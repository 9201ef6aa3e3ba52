using System.Net.Sockets;
using Akka.TestKit.Xunit2;
using Cosocket.Actors.Client;
using Cosocket.Protocol.Framing;
using Cosocket.Protocol.Handshake;

namespace Cosocket.Actors.Tests.Client;

/// <summary><c>ws://unix:/path.sock:/chat</c> selects a Unix domain socket (docs/compatibility.md §3.3, D8).</summary>
public class UnixSocketTests : TestKit
{
    [Fact]
    public async Task UnixSocketUri_ConnectsToTheSocket_WithHostLocalhost_AndEchoes()
    {
        string path = Path.Combine(Path.GetTempPath(), $"cosocket-{Guid.NewGuid():N}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen();
        try
        {
            var served = ServeOneEchoAsync(listener);
            var (client, _) = WebSocketClient.New(Sys, new ClientOptions { Timeout = TimeSpan.FromSeconds(10) });
            var (ok, err, _) = await client!.ConnectAsync($"ws://unix:{path}:/chat");
            Assert.True(ok == 1, err);
            await client.SendTextAsync("over a unix socket");
            var frame = await client.RecvFrameAsync();
            Assert.Equal(("text", "over a unix socket"), (frame.Type, frame.Text));
            Assert.Equal(("GET /chat HTTP/1.1", "localhost"), await served.WaitAsync(TimeSpan.FromSeconds(10)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A minimal server built from the protocol core: one upgrade, one echoed frame.</summary>
    private static async Task<(string RequestLine, string? Host)> ServeOneEchoAsync(Socket listener)
    {
        using var peer = await listener.AcceptAsync();
        var buffer = new byte[8192];
        int filled = 0;
        RequestReadResult request;
        while ((request = ServerHandshake.TryReadRequest(buffer.AsSpan(0, filled))).Status == HeadReadStatus.Incomplete)
            filled += await peer.ReceiveAsync(buffer.AsMemory(filled));
        var head = request.Request!;
        await peer.SendAsync(ServerHandshake.BuildResponse(head.Headers["Sec-WebSocket-Key"]!));

        var decoder = new FrameDecoder(new FrameDecoderOptions(ForceMasking: true));
        int start = request.Consumed;
        while (true)
        {
            var result = decoder.Decode(buffer.AsSpan(start, filled - start), out int consumed);
            start += consumed;
            if (result.Status == DecodeStatus.Frame)
            {
                var frame = FrameEncoder.BuildFrame(true, (int)result.Frame.Opcode, result.Frame.Payload.Length, result.Frame.Payload.Span, masking: false).Frame!;
                await peer.SendAsync(frame);
                return ($"{head.Method} {head.Target} {head.Version}", head.Headers["Host"]);
            }
            start = filled = 0;
            filled = await peer.ReceiveAsync(buffer.AsMemory());
        }
    }
}
