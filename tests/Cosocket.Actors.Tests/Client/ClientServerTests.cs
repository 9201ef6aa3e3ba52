using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.TestKit.Xunit2;
using Cosocket.Actors.Client;
using Cosocket.Actors.Server;
using Cosocket.Actors.Tests.Server;
using Cosocket.Protocol;

namespace Cosocket.Actors.Tests.Client;

/// <summary>The original's t/cs.t and t/limits.t: our client against our server in one process, over real sockets.</summary>
public class ClientServerTests : TestKit
{
    private const string Hello = "你好, WebSocket!";

    private WebSocketClient NewClient(ClientOptions? options = null)
    {
        var (client, err) = WebSocketClient.New(Sys, options);
        Assert.Null(err);
        return client!;
    }

    private static string Uri(ServerHarness harness, string path = "/s") => $"ws://127.0.0.1:{harness.EndPoint.Port}{path}";

    private static string Describe(RecvFrameResult frame) => frame.IsError ? frame.Err! : $"{frame.Text} ({frame.Type})";

    [Theory] // TESTs 1 and 2
    [InlineData(false)]
    [InlineData(true)]
    public async Task DataFrames_BothWays(bool binary)
    {
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            if (binary)
                await wb!.SendBinaryAsync(Encoding.UTF8.GetBytes(Hello));
            else
                await wb!.SendTextAsync(Hello);
            h.Log(Describe(await wb.RecvFrameAsync()));
        });
        var client = NewClient();
        var (ok, err, res) = await client.ConnectAsync(Uri(harness));
        Assert.True(ok == 1, err);
        Assert.StartsWith("HTTP/1.1 101 Switching Protocols\r\n", res);
        var frame = await client.RecvFrameAsync();
        Assert.Equal($"{Hello} ({(binary ? "binary" : "text")})", Describe(frame));
        if (binary)
            await client.SendBinaryAsync(Encoding.UTF8.GetBytes("copy: " + frame.Text));
        else
            await client.SendTextAsync("copy: " + frame.Text);
        Assert.Equal($"copy: {Hello} ({(binary ? "binary" : "text")})", harness.NextLog());
    }

    [Theory] // TESTs 3 and 4
    [InlineData(null, null, null, null)]
    [InlineData(1001, "client, let's close!", 1000, "server, let's close!")]
    public async Task CloseFrames_BothWays(int? serverCode, string? serverReason, int? clientCode, string? clientReason)
    {
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            await wb!.SendCloseAsync(serverCode, serverReason);
            var frame = await wb.RecvFrameAsync();
            h.Log($"received: {frame.Type}: {frame.Text}: {frame.Code?.ToString() ?? "nil"}");
        });
        var client = NewClient();
        await client.ConnectAsync(Uri(harness));
        var close = await client.RecvFrameAsync();
        Assert.Equal(("close", serverReason ?? "", (ushort?)serverCode), (close.Type, close.Text, close.Code));
        Assert.Null((await client.SendCloseAsync(clientCode, clientReason)).Err);
        Assert.Equal($"received: close: {clientReason}: {clientCode?.ToString() ?? "nil"}", harness.NextLog());
    }

    [Theory] // TESTs 5–8
    [InlineData("ping", "", "")]
    [InlineData("ping", "hey, client?", "hey, server?")]
    [InlineData("pong", "", "")]
    [InlineData("pong", "halo, client!", "halo, server!")]
    public async Task PingAndPong_BothWays(string type, string toClient, string toServer)
    {
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            var payload = Encoding.UTF8.GetBytes(toClient);
            await (type == "ping" ? wb!.SendPingAsync(payload) : wb!.SendPongAsync(payload));
            var frame = await wb.RecvFrameAsync();
            h.Log($"received: {frame.Type}: {frame.Text}: {frame.Err ?? "nil"}");
        });
        var client = NewClient();
        await client.ConnectAsync(Uri(harness));
        var frame = await client.RecvFrameAsync();
        Assert.Equal((type, toClient, (string?)null), (frame.Type, frame.Text, frame.Err));
        var back = Encoding.UTF8.GetBytes(toServer);
        await (type == "ping" ? client.SendPingAsync(back) : client.SendPongAsync(back));
        Assert.Equal($"received: {type}: {toServer}: nil", harness.NextLog());
    }

    [Theory] // TESTs 9 and 10
    [InlineData(true)]
    [InlineData(false)]
    public async Task ClientRecvTimeout_IsNotFatal(bool viaSetTimeout)
    {
        var send = new TaskCompletionSource();
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            await send.Task;
            await wb!.SendTextAsync(Hello);
            await wb.RecvFrameAsync();
        });
        var client = NewClient(viaSetTimeout ? null : new ClientOptions { Timeout = TimeSpan.FromMilliseconds(100) });
        await client.ConnectAsync(Uri(harness));
        if (viaSetTimeout)
            Assert.Null(client.SetTimeout(1));
        var timedOut = await client.RecvFrameAsync();
        Assert.Equal(("failed to receive the first 2 bytes: timeout", ErrorKind.Timeout), (timedOut.Err, timedOut.Kind));
        Assert.False(client.Fatal);
        client.SetTimeout(10_000);
        send.SetResult();
        Assert.Equal($"{Hello} (text)", Describe(await client.RecvFrameAsync()));
    }

    [Fact] // TEST 15
    public async Task ServerSendingMaskedFrames_IsAcceptedByTheClient()
    {
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request, new ServerOptions { SendMasked = true });
            await wb!.SendTextAsync(Hello);
            h.Log(Describe(await wb.RecvFrameAsync()));
        });
        var client = NewClient();
        await client.ConnectAsync(Uri(harness));
        Assert.Equal($"{Hello} (text)", Describe(await client.RecvFrameAsync()));
        await client.SendTextAsync("copy");
        Assert.Equal("copy (text)", harness.NextLog());
    }

    [Fact] // TEST 16
    public async Task ClientSendingUnmaskedFrames_IsRefusedByTheServer()
    {
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            await wb!.SendTextAsync(Hello);
            h.Log("failed to receive a frame: " + (await wb.RecvFrameAsync()).Err);
        });
        var client = NewClient(new ClientOptions { SendUnmasked = true });
        await client.ConnectAsync(Uri(harness));
        Assert.Equal($"{Hello} (text)", Describe(await client.RecvFrameAsync()));
        await client.SendTextAsync("unmasked");
        Assert.Equal("failed to receive a frame: frame unmasked", harness.NextLog());
        Assert.Equal("failed to receive the first 2 bytes: closed", (await client.RecvFrameAsync()).Err);
    }

    [Theory] // TESTs 17 and 18
    [InlineData(true)]
    [InlineData(false)]
    public async Task Close_SendsTheCloseFrameOnlyIfNoneWasSent(bool sendCloseFirst)
    {
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            var frame = await wb!.RecvFrameAsync();
            h.Log($"received: {frame.Type}: {frame.Text}: {frame.Code?.ToString() ?? "nil"}");
            h.Log(ServerHarness.Describe(await wb.RecvFrameAsync()));
        });
        var client = NewClient();
        await client.ConnectAsync(Uri(harness));
        if (sendCloseFirst)
            Assert.Equal(2 + 4, (await client.SendCloseAsync()).Bytes);
        Assert.Equal((1, (string?)null), await client.CloseAsync());
        Assert.Equal("received: close: : nil", harness.NextLog());
        // Exactly one close frame, then the end of the stream.
        Assert.Equal("failed to receive a frame: failed to receive the first 2 bytes: closed", harness.NextLog());
    }

    [Fact]
    public async Task SendCloseTwice_SaysAlreadyClosed_ThenIsFatal()
    {
        var harness = new ServerHarness(Sys, async (request, h) => await (await WebSocketServer.NewAsync(request)).Server!.RecvFrameAsync());
        var client = NewClient();
        await client.ConnectAsync(Uri(harness));
        Assert.Null((await client.SendCloseAsync()).Err);
        Assert.True(client.Closed);
        Assert.Equal("already closed", (await client.SendTextAsync("x")).Err);
        Assert.False(client.Fatal);
        Assert.Equal("already closed", (await client.SendCloseAsync()).Err);
        Assert.True(client.Fatal);
        Assert.Equal((null, "fatal error already happened"), await client.CloseAsync());
    }

    [Fact] // TEST 28, client side
    public async Task ServerClosingWithoutAFrame_IsSeenAsClosed()
    {
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            h.Log((await wb!.SendCloseAsync(0xF000, "x")).Err!);
        });
        var client = NewClient();
        await client.ConnectAsync(Uri(harness));
        Assert.Equal("bad status code", harness.NextLog());
        var ended = await client.RecvFrameAsync();
        Assert.Equal(("failed to receive the first 2 bytes: closed", ErrorKind.Closed), (ended.Err, ended.Kind));
        Assert.True(client.Fatal);
        var again = await client.RecvFrameAsync();
        Assert.Equal(("fatal error already happened", ErrorKind.Refused), (again.Err, again.Kind));
    }

    [Fact] // TESTs 27, 30, 37 and 38
    public async Task HandshakeRequest_CarriesHostKeyAndCustomHeaders_AndResIsTheResponseHead()
    {
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            h.Log($"host: <{request.Headers["Host"]}>");
            h.Log($"key: {request.Headers["Sec-WebSocket-Key"]}");
            h.Log($"a-header = {request.Headers["a-header"]}; another-header = {request.Headers["another-header"]}");
            request.ResponseHeaders.Add(new("X-My-Custom-Header", "test"));
            await WebSocketServer.NewAsync(request);
        });
        var client = NewClient();
        var (ok, _, res) = await client.ConnectAsync(Uri(harness), new ConnectOptions
        {
            Key = "y7KXwBSpVrxtkR0O+bQt+Q==",
            Headers = ["a-header: a header value", "another-header: another header value"],
        });
        Assert.Equal(1, ok);
        Assert.Equal($"host: <127.0.0.1:{harness.EndPoint.Port}>", harness.NextLog());
        Assert.Equal("key: y7KXwBSpVrxtkR0O+bQt+Q==", harness.NextLog());
        Assert.Equal("a-header = a header value; another-header = another header value", harness.NextLog());
        Assert.Matches("^HTTP/1.1 101 Switching Protocols.*X-My-Custom-Header: test.*", res!.Replace("\r\n", " "));
        Assert.DoesNotContain("\r\n\r\n", res);
    }

    [Theory] // TESTs 31 and 32
    [InlineData("client.test")]
    [InlineData("client.test:8080")]
    public async Task HostOption_IsSentVerbatim(string host)
    {
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            h.Log($"host: <{request.Headers["Host"]}>");
            await WebSocketServer.NewAsync(request);
        });
        await NewClient().ConnectAsync(Uri(harness), new ConnectOptions { Host = host });
        Assert.Equal($"host: <{host}>", harness.NextLog());
    }

    [Fact]
    public async Task Subprotocol_IsOfferedAndConfirmed()
    {
        var harness = new ServerHarness(Sys, async (request, h) =>
            await WebSocketServer.NewAsync(request, new ServerOptions { Protocols = ["json"] }));
        var (ok, err, res) = await NewClient().ConnectAsync(Uri(harness), new ConnectOptions { Protocols = ["xml", "json"] });
        Assert.True(ok == 1, err);
        Assert.Contains("\r\nSec-WebSocket-Protocol: json", res);
    }

    [Fact] // limits.t TEST 1
    public async Task ClientMaxSendLen()
    {
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            var frame = await wb!.RecvFrameAsync();
            h.Log($"1: received {frame.Type} frame of len {frame.Data!.Length}");
            await wb.SendTextAsync(frame.Text!);
            await wb.RecvFrameAsync();
        });
        var client = NewClient(new ClientOptions { MaxSendLen = 200 });
        await client.ConnectAsync(Uri(harness));
        Assert.NotNull((await client.SendTextAsync(new string('a', 200))).Bytes);
        Assert.Equal("1: received text frame of len 200", harness.NextLog());
        Assert.Equal(200, (await client.RecvFrameAsync()).Data!.Length);
        Assert.Equal("payload too big", (await client.SendTextAsync(new string('a', 201))).Err);
        Assert.True(client.Fatal);
    }

    [Fact] // limits.t TEST 2
    public async Task ClientMaxRecvLen()
    {
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            for (int i = 0; i < 2; i++)
            {
                var frame = await wb!.RecvFrameAsync();
                h.Log($"sent {(await wb.SendTextAsync(frame.Text!)).Bytes - 4}");
            }
            await wb!.RecvFrameAsync();
        });
        var client = NewClient(new ClientOptions { MaxRecvLen = 200 });
        await client.ConnectAsync(Uri(harness));
        await client.SendTextAsync(new string('a', 200));
        Assert.Equal("sent 200", harness.NextLog());
        Assert.Equal(200, (await client.RecvFrameAsync()).Data!.Length);
        Assert.NotNull((await client.SendTextAsync(new string('a', 201))).Bytes);
        Assert.Equal("sent 201", harness.NextLog());
        Assert.Equal("exceeding max payload len", (await client.RecvFrameAsync()).Err);
    }

    [Fact] // D2
    public async Task Non101Response_FailsWithTheStatus_AndReturnsTheHead()
    {
        var harness = new ServerHarness(Sys, (request, h) => request.RejectAsync(403, "no"));
        var (ok, err, res) = await NewClient().ConnectAsync(Uri(harness));
        Assert.Null(ok);
        Assert.Equal("failed websocket handshake: unexpected response status: 403", err);
        Assert.StartsWith("HTTP/1.1 403 Forbidden\r\n", res);
    }

    [Theory]
    [InlineData("http://127.0.0.1/", "bad websocket uri")]
    [InlineData("ws://[::1/", "bad websocket uri")]
    public async Task BadUri_FailsAtOnce(string uri, string error)
    {
        Assert.Equal(ConnectResult.Failure(error), await NewClient().ConnectAsync(uri));
    }

    [Fact]
    public async Task NothingListening_IsConnectionRefused()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)probe.LocalEndPoint!).Port; // bound, never listening
        Assert.Equal(ConnectResult.Failure("failed to connect: connection refused"), await NewClient().ConnectAsync($"ws://127.0.0.1:{port}/"));
    }

    [Fact]
    public async Task ServerThatNeverAnswers_TimesOutReceivingTheHeader()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var client = NewClient(new ClientOptions { Timeout = TimeSpan.FromMilliseconds(200) });
        var result = await client.ConnectAsync($"ws://127.0.0.1:{((IPEndPoint)listener.LocalEndPoint!).Port}/");
        Assert.Equal("failed to receive response header: timeout", result.Err);
    }

    [Fact]
    public async Task BeforeConnect_TheMethodsSayNotInitialized()
    {
        var client = NewClient();
        Assert.Equal("not initialized yet", (await client.RecvFrameAsync()).Err);
        Assert.Equal("not initialized yet", (await client.SendTextAsync("x")).Err);
        Assert.Equal((null, "not initialized"), await client.CloseAsync());
        Assert.Equal("not initialized yet", client.SetTimeout(10));
    }

    [Fact]
    public void BadOptions_AreRefusedByNew()
    {
        Assert.Equal((null, "max_payload_len, max_recv_len and max_send_len must not be negative"),
            WebSocketClient.New(Sys, new ClientOptions { MaxSendLen = -1 }));
    }

    [Fact]
    public async Task HandshakeRequests_AreTheOriginalsByteForByte()
    {
        // cs.t TESTs 19–21: a raw listener that records the request, answers "blah" and closes.
        foreach (var (options, protocolLine, originLine) in new (ConnectOptions, string, string)[]
        {
            (new() { Key = "y7KXwBSpVrxtkR0O+bQt+Q==", Protocols = ["json"] }, "Sec-WebSocket-Protocol: json\r\n", ""),
            (new() { Key = "y7KXwBSpVrxtkR0O+bQt+Q==", Protocols = ["xml", "json"] }, "Sec-WebSocket-Protocol: xml,json\r\n", ""),
            (new() { Key = "y7KXwBSpVrxtkR0O+bQt+Q==", Origin = "test.com" }, "", "Origin: test.com\r\n"),
        })
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen();
            int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
            var recorded = Task.Run(async () =>
            {
                using var peer = await listener.AcceptAsync();
                var buffer = new byte[4096];
                int filled = 0;
                while (!Encoding.ASCII.GetString(buffer, 0, filled).EndsWith("\r\n\r\n"))
                    filled += await peer.ReceiveAsync(buffer.AsMemory(filled));
                await peer.SendAsync("blah"u8.ToArray());
                peer.Shutdown(SocketShutdown.Both);
                return Encoding.ASCII.GetString(buffer, 0, filled);
            });
            var result = await NewClient().ConnectAsync($"ws://127.0.0.1:{port}/", options);
            Assert.Equal(
                $"GET / HTTP/1.1\r\nUpgrade: websocket\r\nHost: 127.0.0.1:{port}\r\nSec-WebSocket-Key: y7KXwBSpVrxtkR0O+bQt+Q==\r\n" +
                $"{protocolLine}Sec-WebSocket-Version: 13\r\n{originLine}Connection: Upgrade\r\n\r\n", await recorded);
            Assert.Equal("failed to receive response header: closed", result.Err);
        }
    }
}
