using System.Net;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Server;
using Cosocket.Protocol;

namespace Cosocket.Actors.Tests.Server;

/// <summary>Connections as actors: other code Tells them to send and close, subscribes to what they
/// receive, watches them end, and finds them in the registry.</summary>
public class ConnectionActorTests : TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    /// <summary>A server whose handler upgrades, reports the server object, and reads until the peer closes.</summary>
    private (ServerHarness Harness, Task<WebSocketServer> Server) ReadingServer()
    {
        var server = new TaskCompletionSource<WebSocketServer>(TaskCreationOptions.RunContinuationsAsynchronously);
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            server.SetResult(wb!);
            RecvFrameResult frame;
            while (!(frame = await wb!.RecvFrameAsync()).IsError && frame.Type != "close")
            {
            }
            h.Log(ServerHarness.Describe(frame));
        });
        return (harness, server.Task);
    }

    private static async Task<RawClient> UpgradeAsync(ServerHarness harness)
    {
        var client = await RawClient.ConnectAsync(harness.EndPoint);
        await client.WriteAsync(RawClient.Request());
        Assert.StartsWith("HTTP/1.1 101 ", await client.ReadHeadAsync());
        return client;
    }

    [Fact]
    public async Task TellSendText_ReachesThePeer_AndAnswersWithTheBytesWritten()
    {
        var (harness, serverTask) = ReadingServer();
        await using var client = await UpgradeAsync(harness);
        var server = await serverTask;

        server.Connection.Tell(new SendText("hello"), TestActor);
        Assert.Equal(new SendResult(7, null), await ExpectMsgAsync<SendResult>(Wait));
        Assert.Equal(Convert.FromHexString("810568656C6C6F"), await client.ReadExactlyAsync(7));

        server.Connection.Tell(new SendBinary(new byte[] { 1, 2, 3 }), ActorRefs.NoSender);
        server.Connection.Tell(new SendPing("p"u8.ToArray()), ActorRefs.NoSender);
        Assert.Equal(Convert.FromHexString("8203010203" + "890170"), await client.ReadExactlyAsync(8));
    }

    [Fact]
    public async Task TellCloseConnection_SendsTheCloseFrame_ThenTheConnectionEnds()
    {
        var (harness, serverTask) = ReadingServer();
        await using var client = await UpgradeAsync(harness);
        var server = await serverTask;
        Watch(server.Connection);

        server.Connection.Tell(new CloseConnection(CloseStatus.GoingAway, "bye"), TestActor);
        Assert.Equal(new SendResult(7, null), await ExpectMsgAsync<SendResult>(Wait));
        Assert.Equal(Convert.FromHexString("880503E9627965"), await client.ReadToEndAsync());
        await client.WriteAsync(ServerHarness.ClientFrame(true, Opcode.Close, [0x03, 0xE9]));
        Assert.Equal("close msg received: : 1001", harness.NextLog());
        await ExpectTerminatedAsync(server.Connection, Wait);
    }

    [Fact]
    public async Task CloseWithABadCode_IsRefusedWithBadStatusCode()
    {
        var (harness, serverTask) = ReadingServer();
        await using var client = await UpgradeAsync(harness);
        (await serverTask).Connection.Tell(new CloseConnection(0x8000), TestActor);
        Assert.Equal(SendResult.Failure("bad status code"), await ExpectMsgAsync<SendResult>(Wait));
    }

    [Fact]
    public async Task CloseWithAReasonTooLongForAControlFrame_IsRefusedAsTheSeedsSendIs()
    {
        var (harness, serverTask) = ReadingServer();
        await using var client = await UpgradeAsync(harness);
        (await serverTask).Connection.Tell(new CloseConnection(CloseStatus.NormalClosure, new string('x', 124)), TestActor);
        Assert.Equal(SendResult.Failure(ProtocolErrors.TooMuchControlPayload), await ExpectMsgAsync<SendResult>(Wait));
    }

    [Fact]
    public async Task Subscriber_HearsEveryFrameTheConnectionReceives()
    {
        var (harness, serverTask) = ReadingServer();
        await using var client = await UpgradeAsync(harness);
        var server = await serverTask;
        server.Connection.Tell(new Subscribe(TestActor));
        // The subscription is in place once the actor has processed it; a send it answers proves that.
        server.Connection.Tell(new SendText("sync"), TestActor);
        await ExpectMsgAsync<SendResult>(Wait);

        await client.WriteAsync(ServerHarness.ClientFrame(true, Opcode.Text, "one"u8.ToArray()));
        var received = await ExpectMsgAsync<FrameReceived>(Wait);
        Assert.Equal((server.ConnectionId, "text", "one"), (received.ConnectionId, received.Frame.Type, received.Frame.Text));
    }

    [Fact]
    public async Task PeerDisconnecting_StopsTheConnectionActor()
    {
        var (harness, serverTask) = ReadingServer();
        var client = await UpgradeAsync(harness);
        var server = await serverTask;
        Watch(server.Connection);
        await client.DisposeAsync();
        Assert.Equal("failed to receive a frame: failed to receive the first 2 bytes: closed", harness.NextLog());
        await ExpectTerminatedAsync(server.Connection, Wait);
    }

    [Fact]
    public async Task Registry_ListsExactlyTheLiveConnections()
    {
        var (harness, serverTask) = ReadingServer();
        var registry = harness.Binding.Registry;
        await using var first = await UpgradeAsync(harness);
        var server = await serverTask;

        await AwaitAssertAsync(async () =>
        {
            var all = (await registry.Ask<ConnectionRegistry.Connections>(new ConnectionRegistry.GetConnections(), Wait)).All;
            var info = Assert.Single(all);
            Assert.Equal((server.ConnectionId, "/s", server.Connection), (info.Id, info.Path, info.Connection));
            Assert.Equal(IPAddress.Loopback, ((IPEndPoint)info.RemoteEndPoint!).Address);
        }, Wait);
        var found = await registry.Ask<ConnectionRegistry.LookupResult>(new ConnectionRegistry.Lookup(server.ConnectionId), Wait);
        Assert.Equal(server.Connection, found.Connection);

        Watch(server.Connection);
        await first.DisposeAsync();
        await ExpectTerminatedAsync(server.Connection, Wait);
        await AwaitAssertAsync(async () =>
            Assert.Equal(0, (await registry.Ask<ConnectionRegistry.Count>(new ConnectionRegistry.GetCount(), Wait)).Value), Wait);
        Assert.Null((await registry.Ask<ConnectionRegistry.LookupResult>(new ConnectionRegistry.Lookup(server.ConnectionId), Wait)).Connection);
    }

    [Fact]
    public async Task SendsFromTheActorAndTheHandler_AreNeverInterleavedWithinAFrame()
    {
        const int Count = 200;
        var server = new TaskCompletionSource<WebSocketServer>(TaskCreationOptions.RunContinuationsAsynchronously);
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            server.SetResult(wb!);
            for (int i = 0; i < Count; i++)
                await wb!.SendBinaryAsync(new byte[1000]);
            await wb!.RecvFrameAsync();
        });
        await using var client = await UpgradeAsync(harness);
        var connection = (await server.Task).Connection;
        for (int i = 0; i < Count; i++)
            connection.Tell(new SendText(new string('t', 1000)), ActorRefs.NoSender);

        int binary = 0, text = 0;
        for (int i = 0; i < 2 * Count; i++)
        {
            byte[] header = await client.ReadExactlyAsync(4);
            Assert.Equal((byte)0x7E, header[1]);
            Assert.Equal(1000, header[2] << 8 | header[3]);
            byte[] payload = await client.ReadExactlyAsync(1000);
            if (header[0] == 0x82)
            {
                binary++;
                Assert.All(payload, b => Assert.Equal(0, b));
            }
            else
            {
                Assert.Equal(0x81, header[0]);
                text++;
                Assert.All(payload, b => Assert.Equal((byte)'t', b));
            }
        }
        Assert.Equal((Count, Count), (binary, text));
    }
}
