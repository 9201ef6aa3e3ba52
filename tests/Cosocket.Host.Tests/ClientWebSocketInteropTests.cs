using System.Net.WebSockets;
using System.Text;

namespace Cosocket.Host.Tests;

/// <summary>.NET's own <see cref="ClientWebSocket"/> (a third-party client to us) against the host's /echo.</summary>
public class ClientWebSocketInteropTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    /// <summary>The next whole message (its frames joined), within the patience.</summary>
    internal static async Task<(WebSocketMessageType Type, byte[] Data)> ReceiveMessageAsync(ClientWebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(Patience);
            message.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);
        return (result.MessageType, message.ToArray());
    }

    private static async Task<ClientWebSocket> ConnectAsync(RunningHost host, string path = "/echo")
    {
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(host.Uri(path), CancellationToken.None).WaitAsync(Patience);
        return socket;
    }

    [Theory]
    [InlineData(true, 15, "permessage-deflate; server_no_context_takeover; client_no_context_takeover")]
    [InlineData(false, 12, "permessage-deflate; server_no_context_takeover; client_no_context_takeover; client_max_window_bits=12")]
    public async Task Echo_DangerousDeflateOptions_NegotiatesAndEchoesCompressedMessages(bool clientContextTakeover, int clientWindowBits, string agreed)
    {
        await using var host = await RunningHost.StartAsync();
        using var socket = new ClientWebSocket();
        socket.Options.DangerousDeflateOptions = new WebSocketDeflateOptions { ClientContextTakeover = clientContextTakeover, ClientMaxWindowBits = clientWindowBits };
        socket.Options.CollectHttpResponseDetails = true;
        await socket.ConnectAsync(host.Uri("/echo"), CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(agreed, string.Join(", ", socket.HttpResponseHeaders!["Sec-WebSocket-Extensions"]));

        string json = string.Concat(Enumerable.Range(0, 2000).Select(i => $"{{\"user\":\"user{i % 7}\",\"text\":\"message {i}\"}}"));
        foreach (var (payload, type) in new[] { (Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text), (new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary) })
        {
            // In two parts: a fragmented compressed message.
            int half = payload.Length / 2;
            await socket.SendAsync(payload.AsMemory(0, half), type, false, CancellationToken.None);
            await socket.SendAsync(payload.AsMemory(half), type, true, CancellationToken.None);
            var (receivedType, data) = await ReceiveMessageAsync(socket);
            Assert.Equal(type, receivedType);
            Assert.Equal(payload, data);
        }
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    [Fact]
    public async Task Echo_TextStaysText_BinaryStaysBinary()
    {
        await using var host = await RunningHost.StartAsync();
        using var socket = await ConnectAsync(host);

        await socket.SendAsync(Encoding.UTF8.GetBytes("你好, WebSocket!"), WebSocketMessageType.Text, true, CancellationToken.None);
        var (type, data) = await ReceiveMessageAsync(socket);
        Assert.Equal((WebSocketMessageType.Text, "你好, WebSocket!"), (type, Encoding.UTF8.GetString(data)));

        await socket.SendAsync(new byte[] { 0, 1, 2, 255 }, WebSocketMessageType.Binary, true, CancellationToken.None);
        (type, data) = await ReceiveMessageAsync(socket);
        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, data);
    }

    [Theory]
    [InlineData(65536)]
    [InlineData(1 << 20)]
    public async Task Echo_LargeBinary_ComesBackIntact(int length)
    {
        await using var host = await RunningHost.StartAsync();
        using var socket = await ConnectAsync(host);
        byte[] payload = new byte[length];
        new Random(length).NextBytes(payload);
        await socket.SendAsync(payload, WebSocketMessageType.Binary, true, CancellationToken.None);
        var (type, data) = await ReceiveMessageAsync(socket);
        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.Equal(payload, data);
    }

    [Fact]
    public async Task Echo_FragmentedMessage_IsEchoedWhole()
    {
        await using var host = await RunningHost.StartAsync();
        using var socket = await ConnectAsync(host);
        await socket.SendAsync("Hel"u8.ToArray(), WebSocketMessageType.Text, false, CancellationToken.None);
        await socket.SendAsync("lo, "u8.ToArray(), WebSocketMessageType.Text, false, CancellationToken.None);
        await socket.SendAsync("world"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var (type, data) = await ReceiveMessageAsync(socket);
        Assert.Equal((WebSocketMessageType.Text, "Hello, world"), (type, Encoding.UTF8.GetString(data)));
    }

    [Fact]
    public async Task Echo_CloseHandshake_AnswersWithTheSameCode()
    {
        await using var host = await RunningHost.StartAsync();
        using var socket = await ConnectAsync(host);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(WebSocketState.Closed, socket.State);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
        Assert.Equal("done", socket.CloseStatusDescription);
    }

    [Fact]
    public async Task Echo_ManySequentialMessages_InOrder()
    {
        await using var host = await RunningHost.StartAsync();
        using var socket = await ConnectAsync(host);
        for (int i = 0; i < 500; i++)
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes($"message {i}"), WebSocketMessageType.Text, true, CancellationToken.None);
            Assert.Equal($"message {i}", Encoding.UTF8.GetString((await ReceiveMessageAsync(socket)).Data));
        }
    }

    [Fact]
    public async Task Drain_SendsClose1001ToEveryConnection_AndCutsNoneThatAnswer()
    {
        await using var host = await RunningHost.StartAsync();
        using var first = await ConnectAsync(host);
        using var second = await ConnectAsync(host, "/frames");
        var draining = host.Binding.DrainAsync(TimeSpan.FromSeconds(10));

        foreach (var socket in new[] { first, second })
        {
            var buffer = new byte[256];
            var result = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(Patience);
            Assert.Equal(WebSocketMessageType.Close, result.MessageType);
            Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, socket.CloseStatus); // 1001
            Assert.Equal("server shutting down", socket.CloseStatusDescription);
            await socket.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, null, CancellationToken.None);
        }
        Assert.Equal(0, await draining.WaitAsync(Patience));
    }
}
