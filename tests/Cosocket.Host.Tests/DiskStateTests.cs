using System.Text.Json.Nodes;

namespace Cosocket.Host.Tests;

/// <summary>A node needs no disk: user addressing (Cluster.Sharding) keeps its state in memory, so the
/// host runs in a working directory it may not write to (a container's root-owned /app).</summary>
[Collection(ClusterProcessCollection.Name)]
public class DiskStateTests
{
    [Fact]
    public async Task UserAddressing_WritesNothingToTheWorkingDirectory()
    {
        string workingDirectory = Directory.CreateTempSubdirectory("cosocket-cwd-").FullName;
        try
        {
            int ws = ClusterNodes.FreePort();
            using (var host = PeerProcess.Start(PeerProcess.CosocketExecutable,
                ["serve", "--listen", $"127.0.0.1:{ws}", "--http-listen", $"127.0.0.1:{ClusterNodes.FreePort()}", "--cluster-port", "0"],
                workingDirectory, watchFor: "cosocket HTTP on"))
            {
                await host.WaitForWatchedAsync(Peer.Patience);
                var (peer, _) = await Peer.JoinAsync(new Uri($"ws://127.0.0.1:{ws}"), "zed");
                using (peer)
                {
                    await peer.SendAsync("""{"op":"user","user":"zed","text":"to myself"}""");
                    var answers = new[] { await peer.ReceiveAsync(), await peer.ReceiveAsync() };
                    Assert.Contains("to myself", answers);
                    Assert.Contains(answers, a => a.StartsWith('{') && JsonNode.Parse(a)!["delivered"]?.GetValue<int>() == 1);
                }
            }
            Assert.Empty(Directory.EnumerateFileSystemEntries(workingDirectory));
        }
        finally
        {
            Directory.Delete(workingDirectory, recursive: true);
        }
    }

}
