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
}
