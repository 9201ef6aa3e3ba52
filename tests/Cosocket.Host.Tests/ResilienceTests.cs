using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cosocket.Host.Tests;

/// <summary>Hostile clients at the connection's edges: slow request heads and connections reset in
/// the middle of a frame. Normal clients go on being served, and nothing is left behind.</summary>
[Collection(ClusterProcessCollection.Name)]
public class ResilienceTests
{
    [Fact]
    public async Task Slowloris_PartialRequestHeadsAreCutAtTheHandshakeTimeout_WhileANormalClientIsServed()
    {
        using var host = await HostProcess.StartAsync(config: "cosocket.server.handshake-timeout = 2s");
        var slow = new List<Socket>();
        try
        {
            for (int i = 0; i < 50; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, host.WsPort);
                await socket.SendAsync(Encoding.ASCII.GetBytes("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgr"));
                slow.Add(socket);
            }

            // While they hang, a normal client upgrades and is echoed.
            using (var normal = await RawWebSocket.ConnectAsync(host.WsPort, "/echo"))
            {
                await normal.SendTextAsync("still served");
                Assert.Equal((0x1, "still served"), await normal.ReadFrameAsync());
            }

            // Each slow head is cut: the server closes the connection (end of input, or a reset).
            var started = DateTime.UtcNow;
            foreach (var socket in slow)
            {
                byte[] buffer = new byte[256];
                int read;
                try
                {
                    while ((read = await socket.ReceiveAsync(buffer).WaitAsync(Peer.Patience)) > 0)
                    {
                    }
                }
                catch (SocketException)
                {
                    // Reset: cut just the same.
                }
            }
            Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10), "slow heads were not cut at the handshake timeout");
        }
        finally
        {
            foreach (var socket in slow)
                socket.Dispose();
        }
    }

    [Fact]
    public async Task ResetsMidFrame_LeaveNoConnectionAndNoDescriptorBehind()
    {
        using var host = await HostProcess.StartAsync();
        // Warm up: the first connections load code and open the runtime's own descriptors.
        using (var warm = await RawWebSocket.ConnectAsync(host.WsPort, "/echo"))
        {
            await warm.SendTextAsync("warm");
            await warm.ReadFrameAsync();
        }
        await Eventually.HoldsAsync(async () => await host.MetricAsync("cosocket_connections") == 0, "the warm-up connection to end");
        int descriptorsBefore = host.OpenDescriptors;

        for (int i = 0; i < 100; i++)
        {
            var client = await RawWebSocket.ConnectAsync(host.WsPort, "/echo");
            // Half of a 1,000-byte frame, then a reset (SO_LINGER 0: RST, no FIN).
            await client.WriteAsync([.. RawWebSocket.Header(0x2, 1000), .. new byte[500]]);
            client.Reset();
        }

        await Eventually.HoldsAsync(async () => await host.MetricAsync("cosocket_connections") == 0, "every reset connection to end");
        await Eventually.HoldsAsync(() => Task.FromResult(host.OpenDescriptors <= descriptorsBefore + 5), $"descriptors to come back to {descriptorsBefore}");
        using var after = await RawWebSocket.ConnectAsync(host.WsPort, "/echo");
        await after.SendTextAsync("after");
        Assert.Equal((0x1, "after"), await after.ReadFrameAsync());
    }
}
