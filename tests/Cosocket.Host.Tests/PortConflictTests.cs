namespace Cosocket.Host.Tests;

/// <summary>A port another process holds: one line that names it, exit code 1, nothing started.</summary>
[Collection(ClusterProcessCollection.Name)]
public class PortConflictTests
{
    [Theory]
    [InlineData("WebSocket")]
    [InlineData("HTTP")]
    [InlineData("cluster")]
    public async Task PortTaken_ExitsWithOneLineNamingIt(string taken)
    {
        int ws = ClusterNodes.FreePort(), http = ClusterNodes.FreePort(), cluster = ClusterNodes.FreePort();
        string[] Arguments(int wsPort, int httpPort, int clusterPort) =>
            ["serve", "--listen", $"127.0.0.1:{wsPort}", "--http-listen", $"127.0.0.1:{httpPort}", "--cluster-port", $"{clusterPort}"];
        using var first = PeerProcess.Start(PeerProcess.CosocketExecutable, Arguments(ws, http, cluster),
            Path.GetDirectoryName(PeerProcess.CosocketExecutable), watchFor: "cosocket HTTP on");
        await first.WaitForWatchedAsync(Peer.Patience);

        var (port, second) = taken switch
        {
            "WebSocket" => (ws, Arguments(ws, ClusterNodes.FreePort(), 0)),
            "HTTP" => (http, Arguments(ClusterNodes.FreePort(), http, 0)),
            _ => (cluster, Arguments(ClusterNodes.FreePort(), ClusterNodes.FreePort(), cluster)),
        };
        var (exitCode, output) = await PeerProcess.RunAsync(PeerProcess.CosocketExecutable, second, Peer.Patience,
            Path.GetDirectoryName(PeerProcess.CosocketExecutable));

        Assert.Equal(1, exitCode);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l != "stderr:").ToArray();
        Assert.Equal($"cosocket: cannot listen on 127.0.0.1:{port} ({taken} port): address already in use", Assert.Single(lines));
    }

}
