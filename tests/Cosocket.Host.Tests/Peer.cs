using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Cosocket.Host.Tests;

/// <summary>A .NET <see cref="ClientWebSocket"/> connected to a Cosocket node, reading whole text messages.</summary>
internal sealed class Peer : IDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly ClientWebSocket _socket = new();

    private Peer()
    {
    }

    public WebSocketState State => _socket.State;

    public static async Task<Peer> ConnectAsync(Uri uri)
    {
        var peer = new Peer();
        await peer._socket.ConnectAsync(uri, CancellationToken.None).WaitAsync(Patience);
        return peer;
    }

    /// <summary>Connects to <c>/connect</c> and returns the peer with its welcome's connection id.</summary>
    public static async Task<(Peer Peer, string Id)> JoinAsync(Uri node, string? user = null, params string[] topics)
    {
        string query = string.Join("&", (user is null ? [] : new[] { "user=" + Uri.EscapeDataString(user) })
            .Concat(topics.Select(t => "topic=" + Uri.EscapeDataString(t))));
        var peer = await ConnectAsync(new Uri(node, "/connect" + (query.Length > 0 ? "?" + query : "")));
        var welcome = JsonNode.Parse(await peer.ReceiveAsync())!;
        Assert.Equal("welcome", welcome["type"]!.GetValue<string>());
        return (peer, welcome["connection"]!.GetValue<string>());
    }

    public Task SendAsync(string text) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None).WaitAsync(Patience);

    /// <summary>The next text message; fails if none comes within <see cref="Patience"/> or the connection ends.</summary>
    public async Task<string> ReceiveAsync() => await ReceiveOrEndAsync() ?? throw new Xunit.Sdk.XunitException("the connection ended");

    /// <summary>The next text message, or null once the connection has ended.</summary>
    public async Task<string?> ReceiveOrEndAsync()
    {
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        while (true)
        {
            WebSocketReceiveResult result;
            try
            {
                result = await _socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(Patience);
            }
            catch (WebSocketException)
            {
                return null;
            }
            if (result.MessageType == WebSocketMessageType.Close)
                return null;
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
                return Encoding.UTF8.GetString(message.ToArray());
        }
    }

    public Task CloseAsync() => _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None).WaitAsync(Patience);

    public void Dispose() => _socket.Dispose();
}
