using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using Akka.Actor;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Cosocket.AspNetCore.Tests;

/// <summary>Cosocket inside an ASP.NET Core application: <c>AddCosocket</c> and <c>MapCosocket</c> on Kestrel.</summary>
public class MapCosocketTests
{
    private static async Task<(WebSocketMessageType Type, byte[] Data)> ReceiveAsync(ClientWebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(HostedApp.Patience);
            message.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);
        return (result.MessageType, message.ToArray());
    }

    /// <summary>An echo on the message layer, as the host's /echo.</summary>
    private static async Task EchoAsync(WebSocketRequest request)
    {
        var (wb, _) = await WebSocketServer.NewAsync(request);
        if (wb is null)
            return;
        await foreach (var message in wb.ReadMessagesAsync())
        {
            if ((await wb.SendMessageAsync(message)).Err is not null)
                return;
        }
    }

    [Fact]
    public async Task MapCosocket_EchoOnTheMessageLayer_TextBinaryLargeAndACleanClose()
    {
        // AddCosocket's options are every handler's defaults: 2 MiB frames and messages here.
        await using var app = await HostedApp.StartAsync(a => a.MapCosocket("/echo", EchoAsync), options => options.Server = options.Server with
        {
            MaxPayloadLen = 2 << 20,
            Messages = new MessageOptions { MaxMessageLen = 2 << 20, FragmentSize = 2 << 20 },
        });
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(app.Ws("/echo"), CancellationToken.None).WaitAsync(HostedApp.Patience);

        await socket.SendAsync(Encoding.UTF8.GetBytes("你好, WebSocket!"), WebSocketMessageType.Text, true, CancellationToken.None);
        var (type, data) = await ReceiveAsync(socket);
        Assert.Equal((WebSocketMessageType.Text, "你好, WebSocket!"), (type, Encoding.UTF8.GetString(data)));

        byte[] large = new byte[1 << 20];
        new Random(1).NextBytes(large);
        await socket.SendAsync(large, WebSocketMessageType.Binary, true, CancellationToken.None);
        (type, data) = await ReceiveAsync(socket);
        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.Equal(large, data);

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).WaitAsync(HostedApp.Patience);
        Assert.Equal((WebSocketCloseStatus.NormalClosure, "bye"), (socket.CloseStatus, socket.CloseStatusDescription));
    }

    [Fact]
    public async Task MapCosocket_SeedFrameApi_RecvFrameAndSendText()
    {
        await using var app = await HostedApp.StartAsync(a => a.MapCosocket("/frames", async request =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request, new ServerOptions());
            var frame = await wb!.RecvFrameAsync();
            await wb.SendTextAsync($"{frame.Type}: {frame.Text}");
            await wb.SendCloseAsync(1000, "done");
        }));
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(app.Ws("/frames"), CancellationToken.None).WaitAsync(HostedApp.Patience);
        await socket.SendAsync("hello"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var (_, data) = await ReceiveAsync(socket);
        Assert.Equal("text: hello", Encoding.UTF8.GetString(data));
        var close = await socket.ReceiveAsync(new byte[16], CancellationToken.None).WaitAsync(HostedApp.Patience);
        Assert.Equal((WebSocketMessageType.Close, WebSocketCloseStatus.NormalClosure, "done"), (close.MessageType, socket.CloseStatus, socket.CloseStatusDescription));
    }

    [Fact]
    public async Task MapCosocket_NotAnUpgrade_IsAnsweredWithTheSeedsError()
    {
        await using var app = await HostedApp.StartAsync(a => a.MapCosocket("/echo", EchoAsync));
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(app.Http, "/echo"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("bad \"upgrade\" request header: nil", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task MapCosocket_HandlerThatDeclines_Is403()
    {
        await using var app = await HostedApp.StartAsync(a => a.MapCosocket("/closed", _ => Task.CompletedTask));
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(app.Ws("/closed"), CancellationToken.None).WaitAsync(HostedApp.Patience));
        Assert.Equal(HttpStatusCode.Forbidden, socket.HttpStatusCode);
    }

    [Fact]
    public async Task MapCosocket_HandlerThatNeverDecides_Is408AfterTheHandshakeTimeout()
    {
        var release = new TaskCompletionSource();
        var lateAnswer = new TaskCompletionSource<string?>();
        await using var app = await HostedApp.StartAsync(a => a.MapCosocket("/slow", async request =>
        {
            await release.Task;
            lateAnswer.SetResult((await WebSocketServer.NewAsync(request)).Err); // too late: already answered
        }), options => options.Server = options.Server with { HandshakeTimeout = TimeSpan.FromSeconds(1) });
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(app.Ws("/slow"), CancellationToken.None).WaitAsync(HostedApp.Patience));
        Assert.Equal(HttpStatusCode.RequestTimeout, socket.HttpStatusCode);
        release.SetResult();
        Assert.Equal("response header already sent", await lateAnswer.Task.WaitAsync(HostedApp.Patience));
    }

    [Fact]
    public async Task RequireAuthorization_UnauthenticatedUpgrade_IsRefused_AndTheUserBecomesTheIdentity()
    {
        var identities = new ConcurrentQueue<string?>();
        await using var app = await HostedApp.StartAsync(a => a.MapCosocket("/private", async request =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            identities.Enqueue(wb!.Identity?.User);
            await wb.SendMessageAsync($"hello {wb.Identity?.User} ({string.Join(",", wb.Identity!.Values("role"))})");
            await wb.CloseHandshakeAsync();
        }).RequireAuthorization());

        using (var anonymous = new ClientWebSocket())
        {
            anonymous.Options.CollectHttpResponseDetails = true;
            await Assert.ThrowsAsync<WebSocketException>(() => anonymous.ConnectAsync(app.Ws("/private"), CancellationToken.None).WaitAsync(HostedApp.Patience));
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.HttpStatusCode);
        }
        Assert.Empty(identities);

        using var alice = new ClientWebSocket();
        alice.Options.SetRequestHeader("X-User", "alice");
        await alice.ConnectAsync(app.Ws("/private"), CancellationToken.None).WaitAsync(HostedApp.Patience);
        var (_, data) = await ReceiveAsync(alice);
        Assert.Equal("hello alice (tester)", Encoding.UTF8.GetString(data));
        Assert.Equal(["alice"], identities);
    }

    [Fact]
    public async Task TellApi_FromAnHttpEndpoint_ReachesTheConnection_AndTheRegistryKnowsIt()
    {
        await using var app = await HostedApp.StartAsync(a =>
        {
            a.MapCosocket("/push", async request =>
            {
                var (wb, _) = await WebSocketServer.NewAsync(request);
                await wb!.SendMessageAsync(wb.ConnectionId);
                await foreach (var _ in wb.ReadMessagesAsync())
                {
                }
            });
            // What a controller does: find the connection by id in the hosted endpoints' registry and tell it.
            a.MapPost("/send/{id}", async (string id, HttpRequest request, HostedWebSockets hosted) =>
            {
                var found = await hosted.Registry.Ask<ConnectionRegistry.LookupResult>(new ConnectionRegistry.Lookup(id), HostedApp.Patience);
                if (found.Connection is null)
                    return Results.NotFound();
                string text = await new StreamReader(request.Body).ReadToEndAsync();
                found.Connection.Tell(Deliver.Text(text));
                return Results.Ok();
            });
        });
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(app.Ws("/push"), CancellationToken.None).WaitAsync(HostedApp.Patience);
        string id = Encoding.UTF8.GetString((await ReceiveAsync(socket)).Data);

        using var http = new HttpClient();
        using var sent = await http.PostAsync(new Uri(app.Http, $"/send/{id}"), new StringContent("pushed from HTTP"));
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        Assert.Equal("pushed from HTTP", Encoding.UTF8.GetString((await ReceiveAsync(socket)).Data));
        using var missing = await http.PostAsync(new Uri(app.Http, "/send/nobody"), new StringContent("x"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Stop_DrainsTheConnections_With1001(bool overHttp2)
    {
        var app = await HostedApp.StartAsync(a => a.MapCosocket("/echo", EchoAsync), protocols: overHttp2 ? HttpProtocols.Http2 : HttpProtocols.Http1);
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler());
        using var socket = overHttp2 ? await ConnectOverHttp2Async(app.Ws("/echo"), invoker) : new ClientWebSocket();
        if (!overHttp2)
            await socket.ConnectAsync(app.Ws("/echo"), CancellationToken.None).WaitAsync(HostedApp.Patience);
        Assert.Equal(WebSocketState.Open, socket.State);
        var stopping = app.StopAsync();
        var close = await socket.ReceiveAsync(new byte[64], CancellationToken.None).WaitAsync(HostedApp.Patience);
        Assert.Equal((WebSocketMessageType.Close, WebSocketCloseStatus.EndpointUnavailable), (close.MessageType, socket.CloseStatus));
        await socket.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, null, CancellationToken.None);
        await stopping.WaitAsync(HostedApp.Patience);
        await app.DisposeAsync();
    }

    [Fact]
    public async Task MapCosocket_NegotiatesDeflate_ByDefault()
    {
        await using var app = await HostedApp.StartAsync(a => a.MapCosocket("/echo", EchoAsync));
        using var socket = new ClientWebSocket();
        socket.Options.DangerousDeflateOptions = new WebSocketDeflateOptions();
        socket.Options.CollectHttpResponseDetails = true;
        await socket.ConnectAsync(app.Ws("/echo"), CancellationToken.None).WaitAsync(HostedApp.Patience);
        Assert.Equal("permessage-deflate; server_no_context_takeover; client_no_context_takeover", string.Join(", ", socket.HttpResponseHeaders!["Sec-WebSocket-Extensions"]));
        string json = string.Concat(Enumerable.Range(0, 500).Select(i => $"{{\"n\":{i}}}"));
        await socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.Equal(json, Encoding.UTF8.GetString((await ReceiveAsync(socket)).Data));
    }

    /// <summary>A ClientWebSocket that opens its WebSocket as an RFC 8441 extended CONNECT over HTTP/2
    /// (prior knowledge on a cleartext port), through <paramref name="invoker"/>'s connections.</summary>
    private static async Task<ClientWebSocket> ConnectOverHttp2Async(Uri uri, HttpMessageInvoker invoker, bool deflate = false)
    {
        var socket = new ClientWebSocket();
        socket.Options.HttpVersion = HttpVersion.Version20;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        socket.Options.CollectHttpResponseDetails = true;
        if (deflate)
            socket.Options.DangerousDeflateOptions = new WebSocketDeflateOptions();
        try
        {
            await socket.ConnectAsync(uri, invoker, CancellationToken.None).WaitAsync(HostedApp.Patience);
        }
        catch (WebSocketException)
        {
            // The status of a refusal is the test's to check.
        }
        return socket;
    }

    [Fact]
    public async Task MapCosocket_OverHttp2_ExtendedConnect_EchoesWithDeflate_AndClosesCleanly()
    {
        using var upgradesOverHttp2 = new Cosocket.Tests.Http2UpgradeCounter();
        await using var app = await HostedApp.StartAsync(a => a.MapCosocket("/echo", EchoAsync), protocols: HttpProtocols.Http2);
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler());
        using var socket = await ConnectOverHttp2Async(app.Ws("/echo"), invoker, deflate: true);

        // RFC 8441 §5: the server accepts with a 2xx and no Sec-WebSocket-Accept.
        Assert.Equal((WebSocketState.Open, HttpStatusCode.OK), (socket.State, socket.HttpStatusCode));
        Assert.False(socket.HttpResponseHeaders!.ContainsKey("Sec-WebSocket-Accept"));
        Assert.Equal("permessage-deflate; server_no_context_takeover; client_no_context_takeover", string.Join(", ", socket.HttpResponseHeaders["Sec-WebSocket-Extensions"]));
        await socket.SendAsync(Encoding.UTF8.GetBytes("over one stream"), WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.Equal("over one stream", Encoding.UTF8.GetString((await ReceiveAsync(socket)).Data));
        // Counted as such in cosocket_handshakes_total (the handler echoes only once its upgrade has been counted).
        Assert.Equal(1, upgradesOverHttp2.Count);
        byte[] large = new byte[60 * 1024]; // one frame, under the seed's default max_payload_len (65,535)
        new Random(2).NextBytes(large);
        await socket.SendAsync(large, WebSocketMessageType.Binary, true, CancellationToken.None);
        Assert.Equal(large, (await ReceiveAsync(socket)).Data);

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).WaitAsync(HostedApp.Patience);
        Assert.Equal((WebSocketState.Closed, WebSocketCloseStatus.NormalClosure, "bye"), (socket.State, socket.CloseStatus, socket.CloseStatusDescription));
    }

    [Fact]
    public async Task MapCosocket_OverHttp2_ARefusedStream_LeavesItsConnectionServingTheNext()
    {
        await using var app = await HostedApp.StartAsync(a =>
        {
            a.MapCosocket("/closed", _ => Task.CompletedTask);
            a.MapCosocket("/echo", EchoAsync);
        }, protocols: HttpProtocols.Http2);
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler());
        using var refused = await ConnectOverHttp2Async(app.Ws("/closed"), invoker);
        Assert.Equal(HttpStatusCode.Forbidden, refused.HttpStatusCode);

        // The same HTTP/2 connection (the invoker's) carries the next WebSocket.
        using var socket = await ConnectOverHttp2Async(app.Ws("/echo"), invoker);
        Assert.Equal(WebSocketState.Open, socket.State);
        await socket.SendAsync("next"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.Equal("next", Encoding.UTF8.GetString((await ReceiveAsync(socket)).Data));
    }

    [Fact]
    public async Task MapCosocket_OverHttp2_TheRequestBodyLimit_DoesNotBoundTheWebSocket()
    {
        // Kestrel bounds a request body (here 64 KiB); a WebSocket's stream is bounded by its frame and message limits instead.
        await using var app = await HostedApp.StartAsync(a => a.MapCosocket("/echo", EchoAsync), protocols: HttpProtocols.Http2,
            configureKestrel: kestrel => kestrel.Limits.MaxRequestBodySize = 64 * 1024);
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler());
        using var socket = await ConnectOverHttp2Async(app.Ws("/echo"), invoker);
        byte[] message = new byte[48 * 1024];
        for (int i = 0; i < 4; i++)
        {
            await socket.SendAsync(message, WebSocketMessageType.Binary, true, CancellationToken.None);
            Assert.Equal(message.Length, (await ReceiveAsync(socket)).Data.Length);
        }
    }
}
