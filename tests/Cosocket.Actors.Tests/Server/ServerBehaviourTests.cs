using System.Text;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Cosocket.Actors.Server;
using Cosocket.Protocol;

namespace Cosocket.Actors.Tests.Server;

/// <summary>Server halves of cs.t (timeouts, close, limits), D1, D3, D4 and D10 over real TCP.</summary>
public class ServerBehaviourTests : TestKit
{
    private async Task<RawClient> UpgradedClientAsync(ServerHarness harness, string extraHeaders = "")
    {
        var client = await RawClient.ConnectAsync(harness.EndPoint);
        await client.WriteAsync(RawClient.Request(extraHeaders: extraHeaders));
        Assert.StartsWith("HTTP/1.1 101 ", await client.ReadHeadAsync());
        return client;
    }

    [Theory] // cs.t TESTs 11 and 12: set_timeout, then the timeout option
    [InlineData(true)]
    [InlineData(false)]
    public async Task ServerRecvTimeout_IsNotFatal_AndTheNextRecvGetsTheFrame(bool viaSetTimeout)
    {
        var afterTimeout = new TaskCompletionSource();
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var options = viaSetTimeout ? null : new ServerOptions { Timeout = TimeSpan.FromMilliseconds(1) };
            var (wb, _) = await WebSocketServer.NewAsync(request, options);
            if (viaSetTimeout)
                wb!.SetTimeout(1);
            h.Log("failed to receive 1st frame: " + (await wb!.RecvFrameAsync()).Err);
            h.Log(wb.Fatal.ToString());
            wb.SetTimeout(10_000);
            afterTimeout.SetResult();
            h.Log(ServerHarness.Describe(await wb.RecvFrameAsync()));
        });
        await using var client = await UpgradedClientAsync(harness);
        Assert.Equal("failed to receive 1st frame: failed to receive the first 2 bytes: timeout", harness.NextLog());
        Assert.Equal("False", harness.NextLog());
        await afterTimeout.Task;
        await client.WriteAsync(ServerHarness.ClientFrame(true, Opcode.Text, Encoding.UTF8.GetBytes("你好, WebSocket!")));
        Assert.Equal("text msg received: 你好, WebSocket!: nil", harness.NextLog());
    }

    [Fact]
    public async Task RecvFrame_TimeoutMidFrame_ResumesSameFrame()
    {
        byte[] frame = ServerHarness.ClientFrame(true, Opcode.Text, Encoding.UTF8.GetBytes(new string('x', 300)));
        var timedOut = new TaskCompletionSource();
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request, new ServerOptions { Timeout = TimeSpan.FromMilliseconds(50) });
            RecvFrameResult result;
            while ((result = await wb!.RecvFrameAsync()).IsError && result.Err!.EndsWith(": timeout"))
            {
                h.Log(result.Err);
                timedOut.TrySetResult();
            }
            h.Log(ServerHarness.Describe(result));
        });
        await using var client = await UpgradedClientAsync(harness);
        await client.WriteAsync(frame[..100]);
        await timedOut.Task.WaitAsync(TimeSpan.FromSeconds(10));
        // The first timeout may still have been waiting for the first bytes; one later reports the payload.
        string line;
        while ((line = harness.NextLog()) != "failed to read masking-len and payload: timeout")
            Assert.Equal("failed to receive the first 2 bytes: timeout", line);
        await client.WriteAsync(frame[100..]);
        while ((line = harness.NextLog()).EndsWith(": timeout"))
        {
        }
        Assert.Equal($"text msg received: {new string('x', 300)}: nil", line);
    }

    [Fact] // limits.t TEST 4, server side: max_recv_len
    public async Task MaxRecvLen_RefusesALargerFrame_ButSendsLargerOnes()
    {
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request, new ServerOptions { MaxRecvLen = 200 });
            h.Log($"1: received {(await wb!.RecvFrameAsync()).Data!.Length}");
            h.Log($"2: sent {(await wb.SendTextAsync(new string('a', 400))).Bytes}");
            h.Log("3: " + (await wb.RecvFrameAsync()).Err);
        });
        await using var client = await UpgradedClientAsync(harness);
        await client.WriteAsync(ServerHarness.ClientFrame(true, Opcode.Text, new byte[200]));
        Assert.Equal("1: received 200", harness.NextLog());
        Assert.Equal("2: sent 404", harness.NextLog());
        Assert.Equal((byte[])[0x81, 0x7E, 0x01, 0x90], await client.ReadExactlyAsync(4));
        await client.ReadExactlyAsync(400);
        await client.WriteAsync(ServerHarness.ClientFrame(true, Opcode.Text, new byte[300]));
        Assert.Equal("3: exceeding max payload len", harness.NextLog());
    }

    [Fact] // limits.t TEST 3, server side: max_send_len
    public async Task MaxSendLen_FailsTheSendWithPayloadTooBig_AndIsFatal()
    {
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request, new ServerOptions { MaxSendLen = 200 });
            h.Log($"1: sent {(await wb!.SendTextAsync(new string('a', 200))).Bytes}");
            h.Log("2: " + (await wb.SendTextAsync(new string('a', 300))).Err);
            h.Log("3: " + (await wb.SendTextAsync("x")).Err);
        });
        await using var client = await UpgradedClientAsync(harness);
        Assert.Equal("1: sent 204", harness.NextLog());
        Assert.Equal("2: payload too big", harness.NextLog());
        Assert.Equal("3: fatal error already happened", harness.NextLog());
    }

    [Fact] // §1.6 wire examples over TCP, and cs.t TEST 28
    public async Task Senders_WriteTheOriginalsBytes_AndABadCloseCodeSendsNothing()
    {
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            h.Log($"{(await wb!.SendTextAsync("foo")).Bytes}");
            h.Log((await wb.SendCloseAsync(0xF000, "x")).Err!);
            h.Log($"{(await wb.SendPingAsync()).Bytes} {(await wb.SendCloseAsync(1000, "bye")).Bytes} {(await wb.SendCloseAsync()).Bytes}");
            h.Log(wb.Fatal.ToString());
        });
        await using var client = await UpgradedClientAsync(harness);
        Assert.Equal("5", harness.NextLog());
        Assert.Equal("bad status code", harness.NextLog());
        Assert.Equal("2 7 2", harness.NextLog());
        Assert.Equal("False", harness.NextLog());
        Assert.Equal(Convert.FromHexString("8103666F6F" + "8900" + "880503E8627965" + "8800"), await client.ReadToEndAsync());
    }

    [Fact] // D10
    public async Task SecondConcurrentRecv_GetsSocketBusyReading_AndIsNotFatal()
    {
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            var first = wb!.RecvFrameAsync();
            h.Log((await wb.RecvFrameAsync()).Err!);
            h.Log(wb.Fatal.ToString());
            h.Log(ServerHarness.Describe(await first));
        });
        await using var client = await UpgradedClientAsync(harness);
        Assert.Equal("socket busy reading", harness.NextLog());
        Assert.Equal("False", harness.NextLog());
        await client.WriteAsync(ServerHarness.ClientFrame(true, Opcode.Text, "ok"u8.ToArray()));
        Assert.Equal("text msg received: ok: nil", harness.NextLog());
    }

    [Fact] // D10: a receive and a send at the same time
    public async Task RecvAndSend_RunConcurrently()
    {
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            var receiving = wb!.RecvFrameAsync();
            h.Log($"sent {(await wb.SendTextAsync("while receiving")).Bytes}");
            h.Log(ServerHarness.Describe(await receiving));
        });
        await using var client = await UpgradedClientAsync(harness);
        Assert.Equal("sent 17", harness.NextLog());
        await client.WriteAsync(ServerHarness.ClientFrame(true, Opcode.Text, "done"u8.ToArray()));
        Assert.Equal("text msg received: done: nil", harness.NextLog());
    }

    [Fact] // cs.t TEST 38
    public async Task HandlerResponseHeaders_AreIn101()
    {
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            request.ResponseHeaders.Add(new("X-My-Custom-Header", "test"));
            var (wb, err) = await WebSocketServer.NewAsync(request);
            h.Log(err ?? "ok");
        });
        await using var client = await RawClient.ConnectAsync(harness.EndPoint);
        await client.WriteAsync(RawClient.Request());
        Assert.Matches("^HTTP/1.1 101 Switching Protocols.*X-My-Custom-Header: test.*", (await client.ReadHeadAsync()).Replace("\r\n", " "));
    }

    [Fact] // D3
    public async Task ProtocolsOption_SelectsTheFirstOfferedThatIsSupported()
    {
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request, new ServerOptions { Protocols = ["superchat"] });
            h.Log(wb!.Protocol!);
        });
        await using var client = await RawClient.ConnectAsync(harness.EndPoint);
        await client.WriteAsync(RawClient.Request().Replace("Sec-WebSocket-Protocol: chat", "Sec-WebSocket-Protocol: chat, superchat"));
        Assert.Contains("\r\nSec-WebSocket-Protocol: superchat\r\n", await client.ReadHeadAsync());
        Assert.Equal("superchat", harness.NextLog());
    }

    public static TheoryData<string, string, string> Rejections => new()
    {
        { RawClient.Request().Replace("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8"), "HTTP/1.1 426 Upgrade Required", "bad \"sec-websocket-version\" request header" },
        { RawClient.Request().Replace("Upgrade: websocket", "Upgrade: h2c"), "HTTP/1.1 400 Bad Request", "bad \"upgrade\" request header: h2c" },
        { RawClient.Request().Replace("HTTP/1.1", "HTTP/1.0"), "HTTP/1.1 400 Bad Request", "bad http version" },
        { RawClient.Request("/elsewhere"), "HTTP/1.1 404 Not Found", "no websocket endpoint at /elsewhere" },
        { "GET /s HTTP/1.1\r\nX: " + new string('a', 20000) + "\r\n\r\n", "HTTP/1.1 431 Request Header Fields Too Large", "failed to receive request header: too large" },
        { "NOT HTTP AT ALL\r\n\r\n", "HTTP/1.1 400 Bad Request", "malformed request line" },
    };

    [Theory] // D4: when the handler does not answer a failed handshake, the connection does
    [MemberData(nameof(Rejections))]
    public async Task FailedHandshake_GetsTheDefaultResponse_ThenTheConnectionCloses(string request, string statusLine, string body)
    {
        var harness = new ServerHarness(Sys, async (r, h) => h.Log((await WebSocketServer.NewAsync(r)).Err!));
        await using var client = await RawClient.ConnectAsync(harness.EndPoint);
        await client.WriteAsync(request);
        string head = await client.ReadHeadAsync();
        Assert.StartsWith(statusLine + "\r\n", head);
        if (statusLine.Contains("426"))
            Assert.Contains("\r\nSec-WebSocket-Version: 13\r\n", head);
        Assert.Equal(body, Encoding.UTF8.GetString(await client.ReadToEndAsync()));
    }

    [Fact] // D4
    public async Task HandshakeNotFinishedInTime_ClosesTheConnection()
    {
        var harness = new ServerHarness(Sys, (r, h) => Task.CompletedTask, new ServerOptions { HandshakeTimeout = TimeSpan.FromMilliseconds(200) });
        await using var client = await RawClient.ConnectAsync(harness.EndPoint);
        await client.WriteAsync("GET /s HTTP/1.1\r\nHost: x\r\n");
        Assert.Empty(await client.ReadToEndAsync());
    }

    [Fact]
    public async Task HandlerThatRejects_SendsItsOwnResponse()
    {
        var harness = new ServerHarness(Sys, (r, h) => r.RejectAsync(403, "go away"));
        await using var client = await RawClient.ConnectAsync(harness.EndPoint);
        await client.WriteAsync(RawClient.Request());
        Assert.StartsWith("HTTP/1.1 403 Forbidden\r\n", await client.ReadHeadAsync());
        Assert.Equal("go away", Encoding.UTF8.GetString(await client.ReadToEndAsync()));
    }

    [Fact]
    public async Task PeerThatNeverCloses_IsCutAfterCloseTimeout()
    {
        var harness = new ServerHarness(Sys, async (r, h) => await WebSocketServer.NewAsync(r), new ServerOptions { CloseTimeout = TimeSpan.FromMilliseconds(200) });
        await using var client = await UpgradedClientAsync(harness);
        Assert.Empty(await client.ReadToEndAsync()); // the server's FIN: its handler returned
        // The client keeps its side open; the connection must still end, and leave the registry.
        await AwaitAssertAsync(async () =>
            Assert.Equal(0, (await harness.Binding.Registry.Ask<ConnectionRegistry.Count>(new ConnectionRegistry.GetCount(), TimeSpan.FromSeconds(5))).Value),
            TimeSpan.FromSeconds(10));
    }
}
