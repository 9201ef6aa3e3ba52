using System.Text;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Cosocket.Actors.Client;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Server;
using Cosocket.Actors.Sessions;
using Cosocket.Actors.Tests.Server;
using Cosocket.Protocol;

namespace Cosocket.Actors.Tests.Messages;

/// <summary>
/// The message layer on the server and client objects: what the conformance suite cannot see from
/// the wire alone (results returned to the caller, the API rules, the close handshake's outcome,
/// keepalive, timeouts, subscribers).
/// </summary>
public class MessageLayerTests : TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private WebSocketClient NewClient(ClientOptions? options = null)
    {
        var (client, err) = WebSocketClient.New(Sys, options);
        Assert.Null(err);
        return client!;
    }

    private async Task<WebSocketClient> ConnectAsync(ServerHarness harness, ClientOptions? options = null)
    {
        var client = NewClient(options);
        var connected = await client.ConnectAsync($"ws://127.0.0.1:{harness.EndPoint.Port}/s");
        Assert.True(connected.Ok == 1, connected.Err);
        return client;
    }

    private static async Task<RawClient> UpgradeAsync(ServerHarness harness)
    {
        var client = await RawClient.ConnectAsync(harness.EndPoint);
        await client.WriteAsync(RawClient.Request());
        Assert.StartsWith("HTTP/1.1 101 ", await client.ReadHeadAsync());
        return client;
    }

    private static string Describe(MessageResult message) =>
        message.IsError ? $"error: {message.Err} ({message.CloseCode})" : $"{message.Type}: {message.Text ?? Convert.ToHexString(message.Data!)} ({message.CloseCode})";

    [Fact]
    public async Task SendMessage_LongerThanTheFragmentSize_GoesOutAsFragmentsOfThatSize()
    {
        var options = new ServerOptions { Messages = new MessageOptions { FragmentSize = 10 } };
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            h.Log($"{(await wb!.SendMessageAsync(new string('a', 25))).Bytes}");
            await wb.ReceiveMessageAsync();
        }, options);
        var client = await ConnectAsync(harness);
        Assert.Equal("31", harness.NextLog()); // three frames of 2-byte headers: 12 + 12 + 7
        var frames = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            var frame = await client.RecvFrameAsync();
            frames.Add($"{frame.Type} {frame.Data!.Length} {frame.Err ?? "final"}");
        }
        Assert.Equal(["text 10 again", "continuation 10 again", "continuation 5 final"], frames);
    }

    [Fact]
    public async Task ReceiveMessage_ReassemblesFragments_AndReturnsTextAsAString()
    {
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            h.Log(Describe(await wb!.ReceiveMessageAsync()));
        });
        var client = await ConnectAsync(harness);
        await client.SendFrameAsync(false, (int)Opcode.Text, Encoding.UTF8.GetBytes("你"));
        await client.SendPingAsync();
        await client.SendFrameAsync(true, (int)Opcode.Continuation, Encoding.UTF8.GetBytes("好"));
        Assert.Equal("text: 你好 ()", harness.NextLog());
        Assert.Equal("pong", (await client.RecvFrameAsync()).Type); // the ping between the fragments was answered
    }

    [Fact]
    public async Task RecvFrame_AfterReceiveMessage_IsRefused_AndTheOtherWayRound()
    {
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            h.Log(Describe(await wb!.ReceiveMessageAsync()));
            h.Log((await wb.RecvFrameAsync()).Err!);
            h.Log(wb.Fatal.ToString());
            await wb.SendTextAsync("two");
            await wb.ReceiveMessageAsync();
        });
        var client = await ConnectAsync(harness);
        await client.SendTextAsync("one");
        Assert.Equal("text: one ()", harness.NextLog());
        Assert.Equal(FrameSession.ApisMixed, harness.NextLog());
        Assert.Equal("False", harness.NextLog()); // a usage error, not a connection error

        Assert.Equal("two", (await client.RecvFrameAsync()).Text);
        Assert.Equal(FrameSession.ApisMixed, (await client.ReceiveMessageAsync()).Err);
    }

    [Fact]
    public async Task CloseHandshake_FromTheServer_ReturnsTheClientsAnswer_AndTheConnectionEnds()
    {
        var server = new TaskCompletionSource<WebSocketServer>(TaskCreationOptions.RunContinuationsAsynchronously);
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            server.SetResult(wb!);
            var closed = await wb!.CloseHandshakeAsync(4000, "bye");
            h.Log($"{closed.Code} {closed.Reason} {closed.Err}");
        });
        var client = await ConnectAsync(harness);
        Watch((await server.Task).Connection);

        var close = await client.ReceiveMessageAsync();
        Assert.Equal("close: bye (4000)", Describe(close));
        Assert.Equal("4000 bye ", harness.NextLog()); // the client echoed code and reason
        await ExpectTerminatedAsync((await server.Task).Connection, Wait);
        Assert.Equal("closed", (await client.ReceiveMessageAsync()).Err);
    }

    [Fact]
    public async Task CloseHandshake_IsCountedOnce_ByTheSideThatStartedIt()
    {
        // cosocket.closes with this test's own code: the server's close counts once as local, the
        // client's answer once as peer (both sides run in this process); the echo that completes
        // the server's handshake is not a second close.
        var counted = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == CosocketTelemetry.Name && instrument.Name == "cosocket.closes")
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            var all = tags.ToArray().ToDictionary(t => t.Key, t => t.Value?.ToString());
            if (all["code"] == "4321")
                counted.Enqueue(all["side"]!);
        });
        listener.Start();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            await wb!.CloseHandshakeAsync(4321, "counted");
            done.SetResult();
        });
        var client = await ConnectAsync(harness);
        Assert.Equal("close: counted (4321)", Describe(await client.ReceiveMessageAsync()));
        await done.Task.WaitAsync(Wait);
        Assert.Equal(["local", "peer"], counted.Order());
    }

    [Fact]
    public async Task CloseHandshake_FromTheClient_ReturnsTheServersAnswer_AndTheClientConnectionEnds()
    {
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            h.Log(Describe(await wb!.ReceiveMessageAsync()));
        });
        var client = await ConnectAsync(harness);
        Watch(client.Connection!);

        var closed = await client.CloseHandshakeAsync(CloseStatus.GoingAway, "leaving");
        Assert.Equal(new CloseResult(1001, "leaving", null), closed);
        Assert.Equal("close: leaving (1001)", harness.NextLog());
        await ExpectTerminatedAsync(client.Connection!, Wait);
        Assert.Equal(closed, await client.CloseHandshakeAsync()); // idempotent
        Assert.Equal(MessageSession.AlreadyClosed, (await client.SendMessageAsync("late")).Err);
    }

    [Fact]
    public async Task CloseHandshake_PeerThatNeverAnswers_IsCutAfterTheCloseTimeout()
    {
        var options = new ServerOptions { CloseTimeout = TimeSpan.FromMilliseconds(200) };
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            var closed = await wb!.CloseHandshakeAsync();
            h.Log(closed.Err!);
        }, options);
        await using var raw = await UpgradeAsync(harness);
        Assert.Equal(Convert.FromHexString("880203E8"), await raw.ReadToEndAsync()); // the close, then the connection is cut
        Assert.Equal("closed", harness.NextLog());
    }

    [Fact]
    public async Task CloseHandshake_APingBeforeThePeersClose_IsStillAnswered()
    {
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            var closed = await wb!.CloseHandshakeAsync();
            h.Log($"{closed.Code}");
        });
        await using var raw = await UpgradeAsync(harness);
        Assert.Equal(Convert.FromHexString("880203E8"), await raw.ReadExactlyAsync(4));
        // RFC 6455 §5.5.2: a pong is owed until the peer's close has been received, ours sent or not.
        await raw.WriteAsync(ServerHarness.ClientFrame(true, Opcode.Ping, "p"u8.ToArray()));
        Assert.Equal(Convert.FromHexString("8A0170"), await raw.ReadExactlyAsync(3));
        await raw.WriteAsync(ServerHarness.ClientFrame(true, Opcode.Close, [0x03, 0xE8]));
        Assert.Equal("1000", harness.NextLog());
        Assert.Empty(await raw.ReadToEndAsync()); // and the server closes TCP
    }

    [Theory]
    [InlineData(999, ProtocolErrors.BadStatusCode)]
    [InlineData(1005, ProtocolErrors.BadStatusCode)]
    [InlineData(1000, MessageSession.ReasonTooLong)]
    public async Task CloseHandshake_WithACodeOrReasonNotAllowedOnTheWire_IsRefused(int code, string err)
    {
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            h.Log((await wb!.CloseHandshakeAsync(code, new string('r', 124))).Err!);
            h.Log((await wb.SendMessageAsync("still open")).Err ?? "sent");
        });
        var client = await ConnectAsync(harness);
        Assert.Equal(err, harness.NextLog());
        Assert.Equal("sent", harness.NextLog());
        Assert.Equal("still open", (await client.ReceiveMessageAsync()).Text);
    }

    [Fact]
    public async Task ProtocolError_ThePeerMayGoOnWriting_UntilItClosesItsSide()
    {
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            h.Log(Describe(await wb!.ReceiveMessageAsync()));
        });
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        await socket.ConnectAsync(harness.EndPoint);
        await socket.SendAsync(Encoding.ASCII.GetBytes(RawClient.Request()));
        var received = new List<byte>();
        var buffer = new byte[65536];
        while (!Encoding.ASCII.GetString([.. received]).Contains("\r\n\r\n"))
            received.AddRange(buffer.AsSpan(0, await socket.ReceiveAsync(buffer)));
        // A frame with RSV1, then 256 KiB the server will never look at.
        byte[] bad = ServerHarness.ClientFrame(true, Opcode.Text, "x"u8.ToArray());
        bad[0] |= 0x40;
        byte[] input = [.. bad, .. ServerHarness.ClientFrame(true, Opcode.Binary, new byte[256 * 1024])];
        await socket.SendAsync(input);

        Assert.Equal($"error: {ProtocolErrors.BadRsvBits} (1002)", harness.NextLog());
        var close = new List<byte>();
        while (close.Count < 4 || close.Count < 2 + close[1])
        {
            int read = await socket.ReceiveAsync(buffer).WaitAsync(Wait);
            Assert.True(read > 0, "the connection ended before the close frame");
            close.AddRange(buffer.AsSpan(0, read));
        }
        Assert.Equal(new byte[] { 0x88, (byte)(2 + ProtocolErrors.BadRsvBits.Length), 0x03, 0xEA }, close.Take(4).ToArray());
        Assert.Equal(0, await socket.ReceiveAsync(buffer).WaitAsync(Wait)); // the server's FIN
        // The peer has not seen the close yet when it writes more (as Autobahn's byte-at-a-time cases
        // do): the server keeps reading and dropping input until the peer closes, so these writes
        // meet no reset (closing with unread data, or data arriving after close, would make TCP send one).
        for (int i = 0; i < 20; i++)
        {
            await socket.SendAsync(ServerHarness.ClientFrame(true, Opcode.Binary, new byte[1024])).WaitAsync(Wait);
            await Task.Yield();
        }
        socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
    }

    [Fact]
    public async Task SendMessage_InvalidUtf8AsText_IsRefused_ButNotFatal()
    {
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            h.Log((await wb!.SendMessageAsync(new byte[] { 0xC0, 0xAF }, text: true)).Err!);
            h.Log((await wb.SendMessageAsync(new byte[] { 0xC0, 0xAF })).Err ?? "binary sent");
        });
        var client = await ConnectAsync(harness);
        Assert.Equal("invalid UTF-8 in text message", harness.NextLog());
        Assert.Equal("binary sent", harness.NextLog());
        Assert.Equal("binary: C0AF ()", Describe(await client.ReceiveMessageAsync()));
    }

    [Fact]
    public async Task ReceiveMessage_TimeoutInTheMiddleOfAMessage_IsNotFatal_AndKeepsWhatArrived()
    {
        var secondHalf = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            await wb!.SendFrameAsync(false, (int)Opcode.Text, "Hel"u8.ToArray());
            await secondHalf.Task;
            await wb.SendFrameAsync(true, (int)Opcode.Continuation, "lo"u8.ToArray());
            await wb.RecvFrameAsync();
        });
        var client = await ConnectAsync(harness);
        client.SetTimeout(100);
        var timedOut = await client.ReceiveMessageAsync();
        Assert.Equal(("failed to receive the first 2 bytes: timeout", ErrorKind.Timeout), (timedOut.Err, timedOut.Kind));
        Assert.False(client.Fatal);
        secondHalf.SetResult();
        Assert.Equal("text: Hello ()", Describe(await client.ReceiveMessageAsync()));
    }

    [Fact]
    public async Task Keepalive_PeerThatNeverAnswers_IsClosedWith1011_AndTheReceiverIsTold()
    {
        var options = new ServerOptions { Messages = new MessageOptions { PingInterval = TimeSpan.FromMilliseconds(50), PongTimeout = TimeSpan.FromMilliseconds(100) } };
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            h.Log(Describe(await wb!.ReceiveMessageAsync()));
        }, options);
        await using var raw = await UpgradeAsync(harness); // reads nothing, answers nothing
        Assert.Equal(Convert.FromHexString("8900"), await raw.ReadExactlyAsync(2));
        byte[] close = [0x88, 19, 0x03, 0xF3, .. Encoding.ASCII.GetBytes(ConnectionActor.KeepaliveTimeout)];
        Assert.Equal(close, await raw.ReadExactlyAsync(close.Length));
        string log = harness.NextLog();
        Assert.True(log == $"error: {ConnectionActor.KeepaliveTimeout} (1011)", log);
    }

    [Fact]
    public async Task Keepalive_PeerThatAnswers_KeepsBeingPinged()
    {
        var options = new ServerOptions { Messages = new MessageOptions { PingInterval = TimeSpan.FromMilliseconds(20), PongTimeout = TimeSpan.FromMilliseconds(50) } };
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            h.Log(Describe(await wb!.ReceiveMessageAsync()));
        }, options);
        await using var raw = await UpgradeAsync(harness);
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(Convert.FromHexString("8900"), await raw.ReadExactlyAsync(2)); // a ping, never a close
            await raw.WriteAsync(ServerHarness.ClientFrame(true, Opcode.Pong, []));
        }
    }

    [Fact]
    public async Task Subscribers_HearEveryWholeMessage()
    {
        var server = new TaskCompletionSource<WebSocketServer>(TaskCreationOptions.RunContinuationsAsynchronously);
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            server.SetResult(wb!);
            while (!(await wb!.ReceiveMessageAsync()).IsError)
            {
            }
        });
        var client = await ConnectAsync(harness);
        var connection = (await server.Task).Connection;
        connection.Tell(new Subscribe(TestActor));
        connection.Tell(new SendText("sync"), TestActor); // answered once the subscription is in place
        await ExpectMsgAsync<SendResult>(Wait);

        await client.SendFrameAsync(false, (int)Opcode.Binary, new byte[] { 1 });
        await client.SendFrameAsync(true, (int)Opcode.Continuation, new byte[] { 2 });
        var received = await ExpectMsgAsync<MessageReceived>(Wait);
        Assert.Equal((await server.Task).ConnectionId, received.ConnectionId);
        Assert.Equal("binary: 0102 ()", Describe(received.Message));
    }
}
