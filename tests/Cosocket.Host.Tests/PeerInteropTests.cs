namespace Cosocket.Host.Tests;

/// <summary>
/// Independent WebSocket implementations against the host's /echo, each exchanging text, binary
/// (1 MiB included), ping/pong and a clean close: Python <c>websockets</c> (Debian), Node <c>ws</c>
/// (npm) and a real headless Chromium. <c>.ci/run</c> installs all three.
/// </summary>
public class PeerInteropTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    /// <param name="fromPage">The script runs in the host's own page (a browser's upgrade carries its Origin).</param>
    private static async Task AssertPeerPassesAsync(string program, string script, string[] expected, bool fromPage = false)
    {
        await using var host = await RunningHost.StartAsync();
        string[] arguments = [script, host.Uri("/echo").ToString(), .. fromPage ? new[] { new Uri(host.Http, "/health").ToString() } : []];
        var (exitCode, output) = await PeerProcess.RunAsync(program, arguments, Patience, PeerProcess.InteropDirectory);
        Assert.True(exitCode == 0, $"{program} {script} exited with {exitCode}:\n{output}");
        Assert.Equal(expected, output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    // What the host answers each peer's permessage-deflate offer ("permessage-deflate;
    // client_max_window_bits" from all three): no context takeover on either side (its defaults).
    private const string Negotiated = "extensions permessage-deflate; server_no_context_takeover; client_no_context_takeover";

    [Fact]
    public Task PythonWebsockets_NegotiatesDeflate_EchoesTextJsonBinaryPingAndCloses() =>
        AssertPeerPassesAsync("/usr/bin/python3", "echo_client.py", [Negotiated, "text ok", "json ok", "binary ok", "ping ok", "close ok 1000"]);

    [Fact]
    public Task NodeWs_NegotiatesDeflate_EchoesTextJsonBinaryPingAndCloses() =>
        AssertPeerPassesAsync("node", "echo_client.mjs", [Negotiated, "text ok", "json ok", "binary ok", "ping ok", "close ok 1000"]);

    /// <summary>The chat demo negotiates as /echo does (Chromium's page: ChatBrowserTests).</summary>
    [Theory]
    [InlineData("/usr/bin/python3", "negotiate.py")]
    [InlineData("node", "negotiate.mjs")]
    public async Task Chat_NegotiatesDeflate(string program, string script)
    {
        await using var host = await RunningHost.StartAsync();
        var (exitCode, output) = await PeerProcess.RunAsync(program, [script, host.Uri("/chat/lobby?name=peer").ToString()], Patience, PeerProcess.InteropDirectory);
        Assert.True(exitCode == 0, $"{program} {script} exited with {exitCode}:\n{output}");
        Assert.Equal([Negotiated, "close ok 1000"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task ClientWebSocket_NegotiatesDeflateOnChat()
    {
        await using var host = await RunningHost.StartAsync();
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        socket.Options.DangerousDeflateOptions = new System.Net.WebSockets.WebSocketDeflateOptions();
        socket.Options.CollectHttpResponseDetails = true;
        await socket.ConnectAsync(host.Uri("/chat/lobby?name=dotnet"), CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(Negotiated["extensions ".Length..], string.Join(", ", socket.HttpResponseHeaders!["Sec-WebSocket-Extensions"]));
        await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(Patience);
    }

    [Fact]
    public Task HeadlessChromium_NegotiatesDeflate_EchoesTextJsonBinaryAndClosesCleanly() =>
        AssertPeerPassesAsync("node", "chromium_echo.mjs", [Negotiated, "text ok", "json ok", "binary ok", "close 1000 true"], fromPage: true);
}
