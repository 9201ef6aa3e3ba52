using System.Text.Json.Nodes;

namespace Cosocket.Host.Tests;

/// <summary>A node needs no disk: user addressing (Cluster.Sharding) keeps its state in memory, so the
/// host runs in a working directory it may not write to (a container's root-owned /app).</summary>
[Collection(ClusterProcessCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class DiskStateTests
{
    [Fact]
    public async Task InAWorkingDirectoryItCannotWriteTo_UserAddressingWorks()
    {
        string workingDirectory = Directory.CreateTempSubdirectory("cosocket-cwd-").FullName;
        try
        {
            // Root may write anywhere: as root the host runs as nobody in a directory only root may
            // write to (setpriv, util-linux), as anyone else in a directory made read-only.
            bool asNobody = Environment.IsPrivilegedProcess && await NobodyCanRunAsync();
            File.SetUnixFileMode(workingDirectory, asNobody
                ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute
                : UnixFileMode.UserRead | UnixFileMode.UserExecute);
            if (asNobody)
            {
                var (touched, _) = await PeerProcess.RunAsync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "touch", Path.Combine(workingDirectory, "probe")], Peer.Patience);
                Assert.NotEqual(0, touched); // the directory really is closed to the host
            }
            int ws = ClusterNodes.FreePort();
            string[] serve = [PeerProcess.CosocketExecutable, "serve", "--listen", $"127.0.0.1:{ws}", "--http-listen", $"127.0.0.1:{ClusterNodes.FreePort()}", "--cluster-port", "0"];
            using (var host = asNobody
                ? PeerProcess.Start("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", .. serve], workingDirectory, watchFor: "cosocket HTTP on")
                : PeerProcess.Start(serve[0], serve[1..], workingDirectory, watchFor: "cosocket HTTP on"))
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
            File.SetUnixFileMode(workingDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Directory.Delete(workingDirectory, recursive: true);
        }
    }

    /// <summary>Whether the user nobody can reach and run the executable (the folders above it may be closed to it).</summary>
    private static async Task<bool> NobodyCanRunAsync()
    {
        var (exitCode, _) = await PeerProcess.RunAsync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "test", "-x", PeerProcess.CosocketExecutable], Peer.Patience);
        return exitCode == 0;
    }
}
