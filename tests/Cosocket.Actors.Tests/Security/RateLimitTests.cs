using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Akka.TestKit.Xunit2;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Server;
using Cosocket.Actors.Tests.Server;
using Cosocket.Protocol;

namespace Cosocket.Actors.Tests.Security;

/// <summary>A connection's rate limit (<see cref="RateLimitOptions"/>) against a peer that floods it.</summary>
public class RateLimitTests : TestKit
{
    /// <summary>An echo server with <paramref name="limit"/>, and a client that has sent <paramref name="count"/>
    /// numbered messages in one write; <paramref name="clock"/> starts just before that write.</summary>
    private async Task<RawClient> FloodAsync(RateLimitOptions limit, int count, Stopwatch? clock = null)
    {
        var options = new ServerOptions { RateLimit = limit };
        var harness = new ServerHarness(Sys, async (request, _) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request, options);
            await foreach (var message in wb!.ReadMessagesAsync())
                await wb.SendMessageAsync(message);
        }, options);
        var client = await RawClient.ConnectAsync(harness.EndPoint);
        await client.WriteAsync(RawClient.Request());
        Assert.StartsWith("HTTP/1.1 101 ", await client.ReadHeadAsync());
        clock?.Start();
        await client.WriteAsync(Enumerable.Range(0, count)
            .SelectMany(i => ServerHarness.ClientFrame(true, Opcode.Text, Encoding.UTF8.GetBytes($"#{i:D3}"))).ToArray());
        return client;
    }

    [Fact]
    public async Task Pause_PeerOverItsMessageRate_IsReadAtTheRate_AndLosesNothing()
    {
        long pausesBefore = ConnectionCounters.RateLimitPauses;
        var clock = new Stopwatch();
        await using var client = await FloodAsync(new RateLimitOptions(20, 0, RateLimitPolicy.Pause), 50, clock);
        for (int i = 0; i < 50; i++)
            Assert.Equal($"#{i:D3}", Encoding.UTF8.GetString((await client.ReadFrameAsync()).Payload));
        // A second's worth (20) at once, the other 30 at 20 per second: at least 1.5 s.
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.45), $"50 messages at 20/s took {clock.Elapsed}");
        Assert.True(ConnectionCounters.RateLimitPauses > pausesBefore);
    }

    [Fact]
    public async Task Pause_PeerOverItsByteRate_IsNotReadAgainUntilPaidFor()
    {
        // 40 frames of 10 bytes (2-byte header, 4-byte mask, 4-byte payload): 400 bytes read at
        // once, 200 of them over the bucket's 200, owed at 200 B/s before anything more is read.
        var clock = new Stopwatch();
        await using var client = await FloodAsync(new RateLimitOptions(0, 200, RateLimitPolicy.Pause), 40, clock);
        for (int i = 0; i < 40; i++)
            await client.ReadFrameAsync();
        await client.WriteAsync(ServerHarness.ClientFrame(true, Opcode.Text, "next"u8.ToArray()));
        Assert.Equal("next", Encoding.UTF8.GetString((await client.ReadFrameAsync()).Payload));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"the next message came back {clock.Elapsed} after the flood");
    }

    [Fact]
    public async Task Close_PeerOverItsMessageRate_IsClosedWith1008()
    {
        long closesBefore = ConnectionCounters.RateLimitCloses;
        await using var client = await FloodAsync(new RateLimitOptions(5, 0, RateLimitPolicy.Close), 30);
        while (true)
        {
            var (b0, payload) = await client.ReadFrameAsync();
            if ((b0 & 0x0F) != (int)Opcode.Close)
                continue;
            Assert.Equal(CloseStatus.PolicyViolation, BinaryPrimitives.ReadUInt16BigEndian(payload));
            Assert.Equal(RateLimitOptions.Exceeded, Encoding.UTF8.GetString(payload.AsSpan(2)));
            break;
        }
        Assert.True(ConnectionCounters.RateLimitCloses > closesBefore);
    }

    [Fact]
    public void FromConfig_BothZero_IsNoLimit_AndAPolicyMustBeKnown()
    {
        Assert.Null(RateLimitOptions.FromConfig(Akka.Configuration.ConfigurationFactory.ParseString("messages-per-second = 0, bytes-per-second = 0")));
        Assert.Equal(new RateLimitOptions(10, 1024, RateLimitPolicy.Close),
            RateLimitOptions.FromConfig(Akka.Configuration.ConfigurationFactory.ParseString("messages-per-second = 10, bytes-per-second = 1024, policy = close")));
        Assert.Throws<Akka.Configuration.ConfigurationException>(() =>
            RateLimitOptions.FromConfig(Akka.Configuration.ConfigurationFactory.ParseString("messages-per-second = 10, policy = drop")));
    }
}
