using System.Net.WebSockets;
using System.Text.RegularExpressions;

namespace Cosocket.Host.Tests;

/// <summary>The real <c>cosocket</c> executable, stopped the way a service manager stops it.</summary>
public class ShutdownTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Sigterm_SendsClose1001ToEveryConnection_WaitsForThem_AndExitsZero()
    {
        string executable = PeerProcess.CosocketExecutable;
        using var server = PeerProcess.Start(executable, ["serve", "--listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0", "--cluster-port", "0"], Path.GetDirectoryName(executable), watchFor: "cosocket listening on ");
        string listening = await server.WaitForWatchedAsync(Patience);
        var uri = new Uri(Regex.Match(listening, @"ws://127\.0\.0\.1:\d+").Value + "/echo");

        using var client = new ClientWebSocket();
        await client.ConnectAsync(uri, CancellationToken.None).WaitAsync(Patience);
        server.Terminate();

        var result = await client.ReceiveAsync(new byte[256], CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal((WebSocketCloseStatus?)WebSocketCloseStatus.EndpointUnavailable, client.CloseStatus);
        await client.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, null, CancellationToken.None);

        Assert.Equal(0, await server.WaitForExitAsync(Patience));
        Assert.True(server.Output.Contains("cosocket drained: 0 connection(s)"), server.Output);
    }

    [Fact]
    public async Task Sigterm_WithPendingLongPolls_AnswersThem_AndEverythingEndsWithinTheDrainTimeout()
    {
        string executable = PeerProcess.CosocketExecutable;
        using var server = PeerProcess.Start(executable, ["serve", "--listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0", "--cluster-port", "0"], Path.GetDirectoryName(executable), watchFor: "cosocket HTTP on ");
        await server.WaitForWatchedAsync(Patience);
        var ws = new Uri(Regex.Match(server.Output, @"ws://127\.0\.0\.1:\d+").Value + "/echo");
        var http = new Uri(Regex.Match(server.Output, @"http://127\.0\.0\.1:\d+").Value);

        using var client = new ClientWebSocket();
        await client.ConnectAsync(ws, CancellationToken.None).WaitAsync(Patience);
        using var polling = TestTokens.AdminClient(Patience);
        // Twenty long polls for a member count that never comes, each allowed a minute.
        var polls = Enumerable.Range(0, 20).Select(_ => polling.GetAsync(new Uri(http, "/api/cluster/members?count=5&timeout=60"))).ToArray();
        // All twenty wait on the node (its metrics count them) before it is told to stop.
        await Eventually.HoldsAsync(async () => MetricsText.Value(await polling.GetStringAsync(new Uri(http, "/metrics")), "cosocket_http_member_polls") == 20,
            "the twenty long polls reaching the node");

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        server.Terminate();

        var result = await client.ReceiveAsync(new byte[256], CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        TimeSpan closeSent = stopping.Elapsed;
        foreach (var poll in polls)
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, (await poll.WaitAsync(Patience)).StatusCode);
        await client.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, null, CancellationToken.None);
        Assert.Equal(0, await server.WaitForExitAsync(Patience));

        // The drain did not wait for the HTTP side: close 1001 went out at once, and the process
        // ended within the host's shutdown timeout (the drain timeout, 10 s, plus 5 s for the actor
        // system), inside a 30 s termination grace period.
        Assert.True(closeSent < TimeSpan.FromSeconds(5), $"close 1001 came {closeSent} after SIGTERM");
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(15), $"the process took {stopping.Elapsed} to exit");
    }
}
