using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Cosocket.Sample;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Cosocket.Host.Tests;

/// <summary>The ASP.NET Core sample (<c>samples/Cosocket.Sample</c>), run in-process on Kestrel:
/// its echo and chat endpoints with .NET's ClientWebSocket, Python <c>websockets</c> and
/// headless Chromium on its page, and its controller sending to a user through the cluster.</summary>
public sealed class SampleAppTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private WebApplication _app = null!;
    private Uri _http = null!;

    public async Task InitializeAsync()
    {
        string contentRoot = Path.Combine(PeerProcess.RepositoryRoot, "samples", "Cosocket.Sample");
        _app = SampleApp.Build(["--urls", "http://127.0.0.1:0", "--contentRoot", contentRoot, "--Logging:LogLevel:Default", "Warning"]);
        await _app.StartAsync();
        _http = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private Uri Ws(string path) => new($"ws://{_http.Authority}{path}");

    private static async Task<string> ReceiveTextAsync(ClientWebSocket socket) =>
        Encoding.UTF8.GetString((await ClientWebSocketInteropTests.ReceiveMessageAsync(socket)).Data);

    [Fact]
    public async Task Echo_WithClientWebSocket_AndDeflate()
    {
        using var socket = new ClientWebSocket();
        socket.Options.DangerousDeflateOptions = new WebSocketDeflateOptions();
        await socket.ConnectAsync(Ws("/echo"), CancellationToken.None).WaitAsync(Patience);
        string json = string.Concat(Enumerable.Range(0, 300).Select(i => $"{{\"n\":{i}}}"));
        await socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.Equal(json, await ReceiveTextAsync(socket));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).WaitAsync(Patience);
    }

    [Fact]
    public async Task Chat_ReachesTheRoom_AndTheControllerReachesAUser()
    {
        using var alice = new ClientWebSocket();
        using var bob = new ClientWebSocket();
        // Each arrival is announced to the room: once alice hears bob's, both are in it.
        await alice.ConnectAsync(Ws("/chat?room=tests&name=alice"), CancellationToken.None).WaitAsync(Patience);
        Assert.Equal("alice joined", JsonNode.Parse(await ReceiveTextAsync(alice))!["text"]!.GetValue<string>());
        await bob.ConnectAsync(Ws("/chat?room=tests&name=bob"), CancellationToken.None).WaitAsync(Patience);
        Assert.Equal("bob joined", JsonNode.Parse(await ReceiveTextAsync(bob))!["text"]!.GetValue<string>());
        Assert.Equal("bob joined", JsonNode.Parse(await ReceiveTextAsync(alice))!["text"]!.GetValue<string>());

        await alice.SendAsync("hi bob"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        foreach (var socket in new[] { alice, bob })
        {
            var said = JsonNode.Parse(await ReceiveTextAsync(socket))!;
            Assert.Equal(("alice", "hi bob"), (said["from"]!.GetValue<string>(), said["text"]!.GetValue<string>()));
        }

        using var http = new HttpClient { BaseAddress = _http, Timeout = Patience };
        using var sent = await http.PostAsync("/api/users/bob", new StringContent("from a controller"));
        Assert.True(sent.StatusCode == HttpStatusCode.OK, await sent.Content.ReadAsStringAsync());
        Assert.Equal(1, JsonNode.Parse(await sent.Content.ReadAsStringAsync())!["delivered"]!.GetValue<int>());
        Assert.Equal("from a controller", await ReceiveTextAsync(bob));

        using var nobody = await http.PostAsync("/api/users/nobody", new StringContent("x"));
        Assert.Equal(HttpStatusCode.NotFound, nobody.StatusCode);
    }

    [Fact]
    public async Task Echo_WithPythonWebsockets_NegotiatesDeflate()
    {
        var (exitCode, output) = await PeerProcess.RunAsync("/usr/bin/python3", ["negotiate.py", Ws("/echo").ToString()], Patience, PeerProcess.InteropDirectory);
        Assert.True(exitCode == 0, output);
        Assert.Equal(["extensions permessage-deflate; server_no_context_takeover; client_no_context_takeover", "close ok 1000"],
            output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task Page_InHeadlessChromium_ChatsOnItsOwnOrigin()
    {
        var (exitCode, output) = await PeerProcess.RunAsync("node", ["chromium_page.mjs", _http.ToString(), "page: hello from the page"], Patience, PeerProcess.InteropDirectory);
        Assert.True(exitCode == 0, output);
        Assert.Equal("page ok", output.Trim());
    }
}
