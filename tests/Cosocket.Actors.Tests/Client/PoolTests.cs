using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Cosocket.Actors.Client;
using Cosocket.Actors.Server;
using Cosocket.Actors.Tests.Server;

namespace Cosocket.Actors.Tests.Client;

/// <summary>The keepalive pools: set_keepalive, connection reuse, pool_size, backlog, idle expiry (cs.t 13, 14, 39; D9).</summary>
public class PoolTests : TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    /// <summary>A server that echoes text until the connection ends, then logs "ended".</summary>
    private ServerHarness EchoServer() => new(Sys, async (request, h) =>
    {
        var (wb, _) = await WebSocketServer.NewAsync(request);
        while (true)
        {
            var frame = await wb!.RecvFrameAsync();
            if (frame.IsError || frame.Type == "close")
                break;
            await wb.SendTextAsync(frame.Text!);
        }
        h.Log("ended");
    });

    private WebSocketClient NewClient(TimeSpan? timeout = null) =>
        WebSocketClient.New(Sys, new ClientOptions { Timeout = timeout ?? Wait }).Client!;

    private static string Uri(ServerHarness harness) => $"ws://127.0.0.1:{harness.EndPoint.Port}/s";

    private static async Task<string> EchoAsync(WebSocketClient client, string text)
    {
        await client.SendTextAsync(text);
        var frame = await client.RecvFrameAsync();
        return $"received: {frame.Text} ({frame.Type})";
    }

    private async Task<ConnectionPools.PoolStats> StatsAsync(string pool) =>
        await CosocketClients.Get(Sys).Pools.Ask<ConnectionPools.PoolStats>(new ConnectionPools.GetPoolStats(pool), Wait);

    [Fact] // cs.t TEST 13
    public async Task SameObject_ConnectsThreeTimes_TheLastTwoReused()
    {
        var harness = EchoServer();
        var client = NewClient();
        var lines = new List<string>();
        for (int i = 1; i <= 3; i++)
        {
            var (ok, err, res) = await client.ConnectAsync(Uri(harness), new ConnectOptions { Pool = "cs13" });
            Assert.True(ok == 1, err);
            lines.Add(res == "connection reused" ? "connection reused" : "new connection");
            lines.Add(await EchoAsync(client, $"hello {i}"));
            Assert.Equal((1, (string?)null), await client.SetKeepaliveAsync());
        }
        Assert.Equal(["new connection", "received: hello 1 (text)", "connection reused", "received: hello 2 (text)", "connection reused", "received: hello 3 (text)"], lines);
    }

    [Fact] // cs.t TESTs 14 and 39
    public async Task NewObject_SamePool_GetsTheConnectionWithoutAHandshake()
    {
        var harness = EchoServer();
        var first = NewClient();
        var (_, _, res) = await first.ConnectAsync(Uri(harness), new ConnectOptions { Pool = "my_conn_pool" });
        Assert.StartsWith("HTTP/1.1 101 Switching Protocols\r\n", res);
        Assert.Equal("received: first connection (text)", await EchoAsync(first, "first connection"));
        await first.SetKeepaliveAsync();

        var second = NewClient();
        Assert.Equal(new ConnectResult(1, null, "connection reused"), await second.ConnectAsync(Uri(harness), new ConnectOptions { Pool = "my_conn_pool" }));
        Assert.Equal("received: reused connection (text)", await EchoAsync(second, "reused connection"));

        // The first object behaves as closed.
        Assert.Equal("failed to send frame: closed", (await first.SendTextAsync("x")).Err);
        Assert.True(first.Fatal);
    }

    [Fact]
    public async Task OnlyTheSamePoolKey_Reuses()
    {
        var harness = EchoServer();
        var client = NewClient();
        await client.ConnectAsync(Uri(harness), new ConnectOptions { Pool = "a" });
        await client.SetKeepaliveAsync();
        Assert.StartsWith("HTTP/1.1 101", (await NewClient().ConnectAsync(Uri(harness), new ConnectOptions { Pool = "b" })).Res);
        Assert.Equal("connection reused", (await NewClient().ConnectAsync(Uri(harness), new ConnectOptions { Pool = "a" })).Res);
    }

    [Fact]
    public async Task DefaultPoolKey_IsHostAndPort()
    {
        var harness = EchoServer();
        var client = NewClient();
        await client.ConnectAsync(Uri(harness));
        await client.SetKeepaliveAsync();
        Assert.Equal(1, (await StatsAsync($"127.0.0.1:{harness.EndPoint.Port}")).Idle);
    }

    [Fact]
    public async Task BeyondPoolSize_TheLeastRecentlyUsedIsClosed()
    {
        var harness = EchoServer();
        var clients = new List<WebSocketClient>();
        for (int i = 0; i < 3; i++)
        {
            var client = NewClient();
            await client.ConnectAsync(Uri(harness), new ConnectOptions { Pool = "lru", PoolSize = 2 });
            await EchoAsync(client, $"c{i}");
            clients.Add(client);
        }
        await clients[0].SetKeepaliveAsync();
        await clients[1].SetKeepaliveAsync();
        await clients[2].SetKeepaliveAsync();
        Assert.Equal("ended", harness.NextLog()); // the oldest was closed
        await AwaitAssertAsync(async () => Assert.Equal(new ConnectionPools.PoolStats(2, 2, 0), await StatsAsync("lru")), Wait);
    }

    [Fact]
    public async Task Backlog_FullQueue_IsTooManyWaitingConnectOperations_AndAWaiterProceedsWhenASlotFrees()
    {
        var harness = EchoServer();
        var options = new ConnectOptions { Pool = "backlog", PoolSize = 1, Backlog = 1 };
        var holder = NewClient();
        Assert.Equal(1, (await holder.ConnectAsync(Uri(harness), options)).Ok);

        var waiter = NewClient();
        var waiting = waiter.ConnectAsync(Uri(harness), options);
        await AwaitAssertAsync(async () => Assert.Equal(1, (await StatsAsync("backlog")).Waiting), Wait);
        Assert.Equal(ConnectResult.Failure("failed to connect: too many waiting connect operations"), await NewClient().ConnectAsync(Uri(harness), options));
        Assert.False(waiting.IsCompleted);

        await holder.SetKeepaliveAsync(); // the waiter takes the released connection at once
        Assert.Equal(new ConnectResult(1, null, "connection reused"), await waiting.WaitAsync(Wait));
        Assert.Equal("received: hi (text)", await EchoAsync(waiter, "hi"));
    }

    [Fact]
    public async Task Backlog_WaiterGetsANewConnection_WhenAnOpenOneCloses()
    {
        var harness = EchoServer();
        var options = new ConnectOptions { Pool = "backlog-close", PoolSize = 1, Backlog = 1 };
        var holder = NewClient();
        await holder.ConnectAsync(Uri(harness), options);
        var waiting = NewClient().ConnectAsync(Uri(harness), options);
        await AwaitAssertAsync(async () => Assert.Equal(1, (await StatsAsync("backlog-close")).Waiting), Wait);
        await holder.CloseAsync();
        var result = await waiting.WaitAsync(Wait);
        Assert.True(result.Ok == 1, result.Err);
        Assert.StartsWith("HTTP/1.1 101", result.Res);
    }

    [Fact]
    public async Task Backlog_WaiterThatOutlivesTheConnectTimeout_FailsWithTimeout()
    {
        var harness = EchoServer();
        var options = new ConnectOptions { Pool = "backlog-timeout", PoolSize = 1, Backlog = 1 };
        await NewClient().ConnectAsync(Uri(harness), options);
        var result = await NewClient(TimeSpan.FromMilliseconds(100)).ConnectAsync(Uri(harness), options);
        Assert.Equal(ConnectResult.Failure("failed to connect: timeout"), result);
        Assert.Equal(0, (await StatsAsync("backlog-timeout")).Waiting);
    }

    [Fact]
    public async Task IdleConnectionClosedByThePeer_IsNeverHandedOut()
    {
        var closeNow = new TaskCompletionSource();
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            await closeNow.Task;
            await wb!.SendCloseAsync(1001, "bye"); // the handler returns: the server closes
        });
        var client = NewClient();
        await client.ConnectAsync(Uri(harness), new ConnectOptions { Pool = "peer-closed" });
        await client.SetKeepaliveAsync();
        closeNow.SetResult();
        await AwaitAssertAsync(async () => Assert.Equal(new ConnectionPools.PoolStats(0, 0, 0), await StatsAsync("peer-closed")), Wait);
        closeNow = new TaskCompletionSource();
        Assert.StartsWith("HTTP/1.1 101", (await NewClient().ConnectAsync(Uri(harness), new ConnectOptions { Pool = "peer-closed" })).Res);
    }

    [Fact]
    public async Task IdleConnection_ExpiresAfterMaxIdleTimeout()
    {
        var harness = EchoServer();
        var client = NewClient();
        await client.ConnectAsync(Uri(harness), new ConnectOptions { Pool = "expiry" });
        await client.SetKeepaliveAsync(TimeSpan.FromMilliseconds(100));
        Assert.Equal("ended", harness.NextLog());
        await AwaitAssertAsync(async () => Assert.Equal(new ConnectionPools.PoolStats(0, 0, 0), await StatsAsync("expiry")), Wait);
    }

    [Fact] // D9
    public async Task SetKeepalive_RefusesConnectionsThatCannotBeReused()
    {
        var harness = EchoServer();
        Assert.Equal((null, "not initialized"), await NewClient().SetKeepaliveAsync());

        var closed = NewClient();
        await closed.ConnectAsync(Uri(harness));
        await closed.SendCloseAsync();
        Assert.Equal((null, "invalid connection"), await closed.SetKeepaliveAsync());

        var fatal = NewClient();
        await fatal.ConnectAsync(Uri(harness));
        await fatal.SendTextAsync(new string('x', 70000)); // over max_send_len: fatal
        Assert.Equal((null, "invalid connection"), await fatal.SetKeepaliveAsync());

        var unread = NewClient();
        await unread.ConnectAsync(Uri(harness));
        await unread.SendTextAsync("echo me");
        // Nothing has read it yet, so the protocol holds the echo until a receive picks the API.
        await AwaitConditionAsync(() => Task.FromResult(unread.Established!.Protocol.HasPendingInput), Wait);
        Assert.Equal((null, "unread data in buffer"), await unread.SetKeepaliveAsync());
        Assert.Equal("received: echo me (text)", $"received: {(await unread.RecvFrameAsync()).Text} (text)");

        var twice = NewClient();
        await twice.ConnectAsync(Uri(harness));
        Assert.Equal((1, (string?)null), await twice.SetKeepaliveAsync());
        Assert.Equal((null, "closed"), await twice.SetKeepaliveAsync());
    }
}
