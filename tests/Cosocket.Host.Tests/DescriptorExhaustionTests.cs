using System.Net;
using System.Text.RegularExpressions;

namespace Cosocket.Host.Tests;

/// <summary>
/// A node started with a low limit on open files (<c>ulimit -n</c>) lowers its
/// <c>max-connections</c> to what the limit leaves, and refuses connections past it with 503
/// before the upgrade, instead of running out of descriptors (which the .NET runtime itself does
/// not survive: it cannot compile code or start threads without them). When connections go, it
/// takes new ones; its health stays ok throughout.
/// </summary>
[Collection(ClusterProcessCollection.Name)]
public class DescriptorExhaustionTests
{
    [Fact]
    public async Task LowFileLimit_LowersMaxConnections_RefusesPastItWith503_AndTakesConnectionsAgain()
    {
        int ws = ClusterNodes.FreePort(), http = ClusterNodes.FreePort();
        using var host = PeerProcess.Start("sh",
            ["-c", $"ulimit -n 700 && exec \"$0\" serve --listen 127.0.0.1:{ws} --http-listen 127.0.0.1:{http} --cluster-port 0", PeerProcess.CosocketExecutable],
            // Logged as the listener starts, through Akka's logger, which may say it after the host says it is up.
            Path.GetDirectoryName(PeerProcess.CosocketExecutable), watchFor: "max-connections lowered");
        await host.WaitForWatchedAsync(Peer.Patience);
        var lowered = Regex.Match(host.Output, @"max-connections lowered from 10000 to (\d+)");
        Assert.True(lowered.Success, host.Output);
        int max = int.Parse(lowered.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(max, 1, 700);

        using var health = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}"), Timeout = Peer.Patience };
        var clients = new List<RawWebSocket>();
        try
        {
            int upgraded = 0, refused = 0;
            for (int i = 0; i < max + 20; i++)
            {
                var (client, answer) = await RawWebSocket.UpgradeAsync(ws, "/echo");
                clients.Add(client);
                if (answer.StartsWith("HTTP/1.1 101 ", StringComparison.Ordinal))
                    upgraded++;
                else
                {
                    Assert.StartsWith("HTTP/1.1 503 ", answer, StringComparison.Ordinal);
                    Assert.EndsWith("too many connections", answer, StringComparison.Ordinal);
                    refused++;
                }
            }
            Assert.Equal((max, 20), (upgraded, refused));
            Assert.Equal(HttpStatusCode.OK, (await health.GetAsync("/health")).StatusCode);

            foreach (var client in clients)
                client.Dispose();
            clients.Clear();
            // The listener hears each connection end; then a new one is upgraded.
            var deadline = DateTime.UtcNow + Peer.Patience;
            while (true)
            {
                var (client, answer) = await RawWebSocket.UpgradeAsync(ws, "/echo");
                clients.Add(client);
                if (answer.StartsWith("HTTP/1.1 101 ", StringComparison.Ordinal))
                    break;
                Assert.True(DateTime.UtcNow < deadline, "no connection was taken again once the others had gone: " + answer);
            }
        }
        finally
        {
            foreach (var client in clients)
                client.Dispose();
        }
        Assert.DoesNotContain("Out of memory", host.Output, StringComparison.Ordinal);
    }
}
