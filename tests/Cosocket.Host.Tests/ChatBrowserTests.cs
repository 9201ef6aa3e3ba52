namespace Cosocket.Host.Tests;

/// <summary>
/// The chat demo in a real headless Chromium (Debian's <c>chromium</c>, driven by playwright-core
/// from tests/interop): two pages, each served by a different node of a 2-node cluster, see each
/// other and exchange messages. The screenshot is kept as a test artifact.
/// </summary>
[Collection(ClusterProcessCollection.Name)]
public class ChatBrowserTests
{
    [Fact]
    public async Task TwoPagesOnTwoNodes_SeeEachOther_AndExchangeMessages()
    {
        await using var cluster = await ClusterNodes.StartAsync(2);
        string artifacts = Path.Combine(PeerProcess.RepositoryRoot, "tests", "artifacts");
        Directory.CreateDirectory(artifacts);
        string screenshot = Path.Combine(artifacts, "chat-two-nodes.png");
        File.Delete(screenshot);

        var (exitCode, output) = await PeerProcess.RunAsync("node",
            ["chromium_chat.mjs", cluster.Nodes[0].HttpUri.ToString().TrimEnd('/'), cluster.Nodes[1].HttpUri.ToString().TrimEnd('/'), screenshot],
            TimeSpan.FromSeconds(120), PeerProcess.InteropDirectory);

        Assert.True(exitCode == 0, $"chromium_chat.mjs exited with {exitCode}:\n{output}");
        Assert.Equal(["members ok", "extensions permessage-deflate; server_no_context_takeover; client_no_context_takeover", "messages ok", "screenshot ok"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.True(new FileInfo(screenshot).Length > 1000, "the screenshot is missing or empty");
    }
}
