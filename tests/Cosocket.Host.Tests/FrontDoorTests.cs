using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Cosocket.Host.Tests;

/// <summary>The host's two front doors: Kestrel serving everything on one port (the default), and
/// Cosocket's own listener for WebSockets beside Kestrel for HTTP (<c>front-door = standalone</c>).</summary>
public class FrontDoorTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static async Task EchoAsync(Uri uri)
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(uri, CancellationToken.None).WaitAsync(Patience);
        await socket.SendAsync("one door"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var (_, data) = await ClientWebSocketInteropTests.ReceiveMessageAsync(socket);
        Assert.Equal("one door", Encoding.UTF8.GetString(data));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(Patience);
    }

    [Fact]
    public async Task ByDefault_OnePort_ServesThePageHealthTheApiAndEveryWebSocketEndpoint()
    {
        using var host = CosocketHost.CreateBuilder(["--listen", "127.0.0.1:0", "--cluster-port", "0"]).Build();
        await host.StartAsync();
        try
        {
            var http = host.Services.GetRequiredService<HttpApi>().Address!;
            var binding = host.Services.GetRequiredService<WebSocketService>().Binding!;
            Assert.Equal(binding.EndPoint.Port, http.Port);

            using var client = new HttpClient { BaseAddress = http, Timeout = Patience };
            Assert.StartsWith("ok Up", await client.GetStringAsync("/health"));
            Assert.Contains($"content=\"ws://127.0.0.1:{http.Port}\"", await client.GetStringAsync("/"));
            await EchoAsync(new Uri($"ws://127.0.0.1:{http.Port}/echo"));
            // /connect needs a token, on Kestrel as on the standalone listener.
            var (refused, answer) = await RawWebSocket.UpgradeAsync(http.Port, "/connect");
            refused.Dispose();
            Assert.StartsWith("HTTP/1.1 401 ", answer, StringComparison.Ordinal);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task StandaloneFrontDoor_WebSocketsOnTheListener_HttpOnItsOwnPort()
    {
        string config = Path.GetTempFileName();
        await File.WriteAllTextAsync(config, File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "akka.hocon")) + "\ncosocket.front-door = standalone\n");
        try
        {
            await using var host = await RunningHost.StartAsync(config);
            Assert.NotEqual(host.EndPoint.Port, host.Http.Port);
            await EchoAsync(host.Uri("/echo"));
            using var client = new HttpClient { Timeout = Patience };
            Assert.Contains($"content=\"ws://127.0.0.1:{host.EndPoint.Port}\"", await client.GetStringAsync(host.Http));
            // The HTTP side does not serve the WebSocket endpoints then: they are the listener's.
            using var notHere = await client.GetAsync(new Uri(host.Http, "/echo"));
            Assert.Equal(System.Net.HttpStatusCode.NotFound, notHere.StatusCode);
        }
        finally
        {
            File.Delete(config);
        }
    }
}
