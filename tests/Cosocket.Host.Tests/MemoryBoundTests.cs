using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Cosocket.Host.Tests;

/// <summary>
/// What one hostile or careless client can make the host hold, measured on a real <c>cosocket</c>
/// process: its resident memory and its GC heap (both from <c>/metrics</c>) may grow by at most
/// <see cref="MaxGrowth"/> while the client does its worst.
/// </summary>
/// <remarks>
/// The host under test runs with a 4 MiB generation-0 budget (<c>DOTNET_GCgen0MaxBudget</c>), so that
/// what is measured is memory held, not garbage the collector has not been asked to collect yet: with
/// the default budget (sized from the CPU cache, about 100 MB here) any busy process grows by that
/// much once, whatever its clients do.
/// </remarks>
[Collection(ClusterProcessCollection.Name)]
public class MemoryBoundTests
{
    /// <summary>The bound on memory growth each attack is held to: tens of MB, where the host held gigabytes before.</summary>
    private const long MaxGrowth = 64L * 1024 * 1024;

    /// <summary>The bound on resident memory where a test's traffic churns garbage at a high rate: the
    /// collector keeps recently used regions committed, whatever the connections hold.</summary>
    private const long MaxChurnGrowth = 256L * 1024 * 1024;

    private const string Token = "memory-test-token";

    /// <summary>
    /// permessage-deflate at the host's defaults (no context takeover): 400 connections each send and
    /// receive compressed messages, then stay open and idle. They hold no compression context: the
    /// contexts alive are the pool's few idle ones, and resident memory grows by what idle
    /// connections cost without compression, where a deflater kept per connection would be 256 KiB each.
    /// </summary>
    [Fact]
    public async Task Deflate_400IdleConnectionsAfterCompressedMessages_HoldNoCompressionContext()
    {
        const int count = 400;
        using var host = await HostProcess.StartAsync(Token);
        var uri = new Uri($"ws://127.0.0.1:{host.WsPort}/echo");
        byte[] json = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 200).Select(i => $"{{\"user\":\"user{i % 7}\",\"text\":\"message {i}\"}}")));
        async Task<System.Net.WebSockets.ClientWebSocket> ExchangeAsync()
        {
            var socket = new System.Net.WebSockets.ClientWebSocket();
            socket.Options.DangerousDeflateOptions = new System.Net.WebSockets.WebSocketDeflateOptions();
            await socket.ConnectAsync(uri, CancellationToken.None).WaitAsync(Peer.Patience);
            await socket.SendAsync(json, System.Net.WebSockets.WebSocketMessageType.Text, true, CancellationToken.None).WaitAsync(Peer.Patience);
            var buffer = new byte[json.Length + 1];
            int filled = 0;
            System.Net.WebSockets.ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer.AsMemory(filled), CancellationToken.None).AsTask().WaitAsync(Peer.Patience);
                filled += result.Count;
            }
            while (!result.EndOfMessage);
            Assert.Equal(json.Length, filled);
            return socket;
        }

        (await ExchangeAsync()).Dispose(); // the pool's first contexts and the code paths, before measuring
        var before = await host.MemoryAsync();
        var sockets = new List<System.Net.WebSockets.ClientWebSocket>();
        try
        {
            for (int i = 0; i < count; i++)
                sockets.Add(await ExchangeAsync());

            string metrics = await host.MetricsAsync();
            long deflaters = MetricsText.Value(metrics, "cosocket_compression_contexts", ("kind", "deflate")) ?? -1;
            long inflaters = MetricsText.Value(metrics, "cosocket_compression_contexts", ("kind", "inflate")) ?? -1;
            // Only the pool's idle contexts (at most max(4, cores) of each kind) are alive.
            Assert.InRange(deflaters, 1, Math.Max(4, Environment.ProcessorCount));
            Assert.InRange(inflaters, 1, Math.Max(4, Environment.ProcessorCount));
            var after = await host.MemoryAsync();
            long perConnection = (after.Resident - before.Resident) / count;
            Assert.True(perConnection < 64 * 1024, $"resident memory grew {perConnection:N0} bytes per idle deflate connection");
        }
        finally
        {
            foreach (var socket in sockets)
                socket.Dispose();
        }
    }

    /// <summary>
    /// 300 connections negotiate permessage-deflate, start a fragmented compressed message and never
    /// end it, each holding an inflater for as long as it waits. With <c>max-inflaters = 100</c>, the
    /// first hundred hold one and the rest are closed with 1013, so the process holds no more than
    /// the budget's inflaters whatever the number of such connections.
    /// </summary>
    [Fact]
    public async Task Deflate_300UnendedCompressedMessages_HeldWithinTheInflaterBudget()
    {
        using var host = await HostProcess.StartAsync(Token, "cosocket.server.compression.max-inflaters = 100");
        var before = await host.MemoryAsync();
        // The first fragment of a compressed text message: deflate data ended by a sync flush, RSV1, FIN clear.
        var compressed = new MemoryStream();
        using (var deflate = new System.IO.Compression.DeflateStream(compressed, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            deflate.Write(Encoding.UTF8.GetBytes("the first part of a message that never ends, "));
            deflate.Flush();
        }
        byte[] fragment = RawWebSocket.Frame(0x1, compressed.ToArray()[..^4]);
        fragment[0] = 0x41;

        var clients = new List<RawWebSocket>();
        try
        {
            int held = 0, refused = 0;
            for (int i = 0; i < 300; i++)
            {
                var (client, answer) = await RawWebSocket.UpgradeAsync(host.WsPort, "/echo", "Sec-WebSocket-Extensions: permessage-deflate\r\n");
                clients.Add(client);
                Assert.Contains("Sec-WebSocket-Extensions: permessage-deflate", answer);
                // The ping after the fragment: its pong shows the fragment was inflated and its inflater kept.
                await client.WriteAsync([.. fragment, .. RawWebSocket.Frame(0x9, "alive"u8)]);
            }
            foreach (var client in clients)
            {
                var (opcode, data) = await client.ReadFrameAsync();
                if (opcode == 0xA)
                    held++;
                else if (opcode == 0x8 && BinaryPrimitives.ReadUInt16BigEndian(Encoding.Latin1.GetBytes(data)) == 1013)
                    refused++;
            }
            Assert.InRange(held, 1, 100);
            Assert.Equal(300, held + refused);
            Assert.InRange(await MetricAsync(host, "inflate"), held, 100);
            var after = await host.MemoryAsync();
            Assert.True(after.Resident - before.Resident < MaxGrowth, $"resident memory grew {after.Resident - before.Resident:N0} bytes");
        }
        finally
        {
            foreach (var client in clients)
                client.Dispose();
        }
    }

    private static async Task<long> MetricAsync(HostProcess host, string kind) =>
        MetricsText.Value(await host.MetricsAsync(), "cosocket_compression_contexts", ("kind", kind)) ?? -1;

    [Fact]
    public async Task HeaderOnlyFrames_300ConnectionsDeclaring16MiB_HoldNoPayloadMemory()
    {
        using var host = await HostProcess.StartAsync(Token);
        var before = await host.MemoryAsync();

        var clients = new List<RawWebSocket>();
        try
        {
            for (int i = 0; i < 300; i++)
            {
                var client = await RawWebSocket.ConnectAsync(host.WsPort, "/echo");
                clients.Add(client);
                // A ping, then the header of a 16 MiB binary frame, in one write: the pong shows the
                // server has decoded that chunk, the header included.
                await client.WriteAsync([.. RawWebSocket.Frame(0x9, "alive"u8), .. RawWebSocket.Header(0x2, 16 * 1024 * 1024)]);
            }
            foreach (var client in clients)
                Assert.Equal((0xA, "alive"), await client.ReadFrameAsync());

            var after = await host.MemoryAsync();
            Assert.True(after.Resident - before.Resident < MaxGrowth, $"resident memory grew {after.Resident - before.Resident:N0} bytes for 300 header-only frames");
            Assert.True(after.Heap - before.Heap < MaxGrowth, $"the GC heap grew {after.Heap - before.Heap:N0} bytes for 300 header-only frames");
        }
        finally
        {
            foreach (var client in clients)
                client.Dispose();
        }
    }

    [Fact]
    public async Task PingFlood_150MBOfPingsNeverRead_PongsCoalesceAndMemoryStaysBounded()
    {
        using var host = await HostProcess.StartAsync(Token);
        var before = await host.MemoryAsync();
        using var client = await RawWebSocket.ConnectAsync(host.WsPort, "/echo");

        byte[] payload = new byte[125];
        byte[] ping = RawWebSocket.Frame(0x9, payload);
        byte[] burst = [.. Enumerable.Range(0, 1000).SelectMany(_ => ping)];
        long sent = 0;
        while (sent < 150_000_000)
        {
            await client.WriteAsync(burst);
            sent += burst.Length;
        }
        var during = await host.MemoryAsync();
        // Decoding 1.15 million pings churns about a gigabyte of short-lived garbage (a payload
        // array and a pong per ping); the collector keeps the regions it used committed for a
        // while, so resident memory grows by 100-130 MB here whatever is held (before pongs were
        // bounded it grew by 1.4 GB). What is held for the client is measured exactly below.
        Assert.True(during.Resident - before.Resident < MaxChurnGrowth, $"resident memory grew {during.Resident - before.Resident:N0} bytes under a 150 MB ping flood");

        // Now read: what the server kept for this client is a bounded number of pongs, then its close answer.
        await client.WriteAsync(RawWebSocket.Frame(0x8, [0x03, 0xE8]));
        long pongBytes = 0;
        while (true)
        {
            var (opcode, data) = await client.ReadFrameAsync();
            if (opcode == 0x8)
                break;
            Assert.Equal(0xA, opcode);
            pongBytes += 2 + data.Length;
        }
        Assert.True(pongBytes < 16 * 1024 * 1024, $"{pongBytes:N0} bytes of pongs were kept for a client that sent {sent:N0} bytes of pings");
    }

    [Fact]
    public async Task SlowSubscriber_200MBPublishedAndNeverRead_IsClosedAsSlowConsumer()
    {
        using var host = await HostProcess.StartAsync(Token);
        var before = await host.MemoryAsync();
        using var subscriber = await RawWebSocket.ConnectAsync(host.WsPort, "/connect?topic=firehose&access_token=" + TestTokens.Full("firehose"));
        var (welcomeOpcode, welcome) = await subscriber.ReadFrameAsync();
        Assert.Equal(0x1, welcomeOpcode);
        Assert.Contains("welcome", welcome, StringComparison.Ordinal);

        byte[] message = new byte[1024 * 1024];
        RandomNumberGenerator.Fill(message);
        for (int i = 0; i < 200; i++)
        {
            var status = await host.PublishAsync("firehose", message);
            Assert.True(status is HttpStatusCode.Accepted or HttpStatusCode.NotFound, $"publish {i}: {status}"); // 404 once the subscriber is gone
        }
        // The publish API copies each 1 MiB body twice (large-object garbage, 400 MB in all), which
        // the collector returns slowly; what is held for the subscriber is measured exactly below.
        var after = await host.MemoryAsync();
        Assert.True(after.Resident - before.Resident < MaxChurnGrowth, $"resident memory grew {after.Resident - before.Resident:N0} bytes for a subscriber that never read");

        // The subscriber, reading at last, finds a bounded backlog and then the close that says why.
        long backlog = 0;
        while (true)
        {
            var (opcode, data) = await subscriber.ReadFrameAsync();
            if (opcode == 0x8)
            {
                Assert.Equal((1008, "slow consumer"), (BinaryPrimitives.ReadUInt16BigEndian(Encoding.Latin1.GetBytes(data)), data[2..]));
                break;
            }
            backlog += data.Length;
        }
        Assert.True(backlog <= 16 * message.Length, $"{backlog:N0} bytes were queued for a subscriber that never read");
        Assert.Equal(1, await host.MetricAsync("cosocket_slow_consumer_closes_total"));
    }
}
