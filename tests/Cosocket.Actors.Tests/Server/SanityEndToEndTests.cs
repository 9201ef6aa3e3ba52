using System.Text;
using Akka.TestKit.Xunit2;
using Cosocket.Actors.Server;
using Cosocket.Protocol;

namespace Cosocket.Actors.Tests.Server;

/// <summary>
/// The original's t/sanity.t over real TCP on 127.0.0.1: raw request bytes and frames as the Perl
/// tests sent them (the first frame in the same write as the request), the exact 101 headers, and
/// the handler's log lines.
/// </summary>
public class SanityEndToEndTests : TestKit
{
    private const string Accept = "HSmrc0sMlYUkAGmm5OPpG2HaGWk=";

    private async Task<(ServerHarness Harness, RawClient Client, string Head)> SendAsync(byte[] frame, ServerOptions? handlerOptions = null)
    {
        var harness = new ServerHarness(Sys, (request, h) => ServerHarness.RecvOneFrame(request, h, handlerOptions));
        var client = await RawClient.ConnectAsync(harness.EndPoint);
        await client.WriteAsync([.. Encoding.Latin1.GetBytes(RawClient.Request()), .. frame]);
        return (harness, client, await client.ReadHeadAsync());
    }

    [Fact] // TEST 1
    public async Task SimpleHandshake_Answers101WithExactHeadersAndEmptyBody()
    {
        var (harness, client, head) = await SendAsync([]);
        Assert.Equal(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n" +
            $"Sec-WebSocket-Accept: {Accept}\r\nSec-WebSocket-Protocol: chat\r\n\r\n", head);
        client.ShutdownSend();
        Assert.Equal("failed to receive a frame: failed to receive the first 2 bytes: closed", harness.NextLog());
        Assert.Empty(await client.ReadToEndAsync());
        await client.DisposeAsync();
    }

    public static TheoryData<string, byte[], string> Frames => new()
    {
        { "TEST 2: text, 3 bytes", ServerHarness.ClientFrame(true, Opcode.Text, "foo"u8.ToArray()), "text msg received: foo: nil" },
        { "TEST 3: text, 0 bytes", ServerHarness.ClientFrame(true, Opcode.Text, []), "text msg received: : nil" },
        { "TEST 10: binary", ServerHarness.ClientFrame(true, Opcode.Binary, "foo"u8.ToArray()), "binary msg received: foo: nil" },
        { "TEST 11: close, code and message", ServerHarness.ClientFrame(true, Opcode.Close, [0x03, 0xE8, .. "yes, closed"u8]), "close msg received: yes, closed: 1000" },
        { "TEST 12: close, code only", ServerHarness.ClientFrame(true, Opcode.Close, [0x03, 0xEA]), "close msg received: : 1002" },
        { "TEST 13: close, no payload", ServerHarness.ClientFrame(true, Opcode.Close, []), "close msg received: : nil" },
        { "TEST 14: ping, no payload", ServerHarness.ClientFrame(true, Opcode.Ping, []), "ping msg received: : nil" },
        { "TEST 15: ping, payload", ServerHarness.ClientFrame(true, Opcode.Ping, Encoding.UTF8.GetBytes("are you there? 你好")), "ping msg received: are you there? 你好: nil" },
        { "TEST 16: pong, payload", ServerHarness.ClientFrame(true, Opcode.Pong, Encoding.UTF8.GetBytes("are you there? 你好")), "pong msg received: are you there? 你好: nil" },
        { "TEST 17: over the default limit", ServerHarness.ClientFrame(true, Opcode.Text, new byte[65536]), "failed to receive a frame: exceeding max payload len" },
        { "TEST 18: first fragment", ServerHarness.ClientFrame(false, Opcode.Text, "foo"u8.ToArray()), "text msg received: foo: again" },
        { "TEST 19: last fragment", ServerHarness.ClientFrame(true, Opcode.Continuation, "foo"u8.ToArray()), "continuation msg received: foo: nil" },
        { "TEST 20: middle fragment", ServerHarness.ClientFrame(false, Opcode.Continuation, "foo"u8.ToArray()), "continuation msg received: foo: again" },
        { "unmasked frame", FrameEncoderUnmasked("foo"), "failed to receive a frame: frame unmasked" },
    };

    private static byte[] FrameEncoderUnmasked(string text) =>
        Cosocket.Protocol.Framing.FrameEncoder.BuildFrame(true, 0x1, text.Length, Encoding.UTF8.GetBytes(text), masking: false).Frame!;

    [Theory]
    [MemberData(nameof(Frames))]
    public async Task FrameInTheSameWriteAsTheRequest_IsReceived(string name, byte[] frame, string expected)
    {
        var (harness, client, head) = await SendAsync(frame);
        Assert.StartsWith("HTTP/1.1 101 ", head);
        Assert.True(expected == harness.NextLog(), name);
        await harness.HandlerDone;
        await client.DisposeAsync();
    }

    [Theory] // TESTs 4–9
    [InlineData(125, null)]
    [InlineData(126, null)]
    [InlineData(127, null)]
    [InlineData(65535, null)]
    [InlineData(65536, 65536)]
    [InlineData(1048577, 1048577)]
    public async Task TextOfLength_IsReceivedIntact(int length, int? maxPayloadLen)
    {
        string text = new string('a', length - 1) + "b";
        var options = maxPayloadLen is { } max ? new ServerOptions { MaxPayloadLen = max } : null;
        var (harness, client, _) = await SendAsync(ServerHarness.ClientFrame(true, Opcode.Text, Encoding.UTF8.GetBytes(text)), options);
        Assert.Equal($"text msg received: {text}: nil", harness.NextLog());
        await client.DisposeAsync();
    }

    [Fact] // TEST 21
    public async Task Firefox22Handshake_IsAccepted()
    {
        var harness = new ServerHarness(Sys, (request, h) => ServerHarness.RecvOneFrame(request, h));
        await using var client = await RawClient.ConnectAsync(harness.EndPoint);
        await client.WriteAsync(RawClient.Request().Replace("Connection: Upgrade", "Connection: keep-alive, Upgrade").Replace(RawClient.Key, "05EiFj8mhoZ5F/oFE3Tyeg=="));
        string head = await client.ReadHeadAsync();
        Assert.StartsWith("HTTP/1.1 101 Switching Protocols\r\n", head);
        Assert.Contains("Sec-WebSocket-Accept: tBNO4O+F4DrQyajB62pvtRNU8LM=\r\n", head);
        Assert.Contains("Sec-WebSocket-Protocol: chat\r\n", head);
    }

    [Fact]
    public async Task AfterAFatalError_TheConnectionIsClosedAndRecvSaysFatal()
    {
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            h.Log(ServerHarness.Describe(await wb!.RecvFrameAsync()));
            h.Log(ServerHarness.Describe(await wb.RecvFrameAsync()));
            h.Log(wb.Fatal.ToString());
        });
        await using var client = await RawClient.ConnectAsync(harness.EndPoint);
        await client.WriteAsync([.. Encoding.Latin1.GetBytes(RawClient.Request()), 0xF1, 0x80, 0, 0, 0, 0]);
        await client.ReadHeadAsync();
        Assert.Equal("failed to receive a frame: bad RSV1, RSV2, or RSV3 bits", harness.NextLog());
        Assert.Equal("failed to receive a frame: fatal error already happened", harness.NextLog());
        Assert.Equal("True", harness.NextLog());
        Assert.Empty(await client.ReadToEndAsync());
    }
}
