using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Cosocket.Host.Tests;

/// <summary>
/// A .NET <see cref="ClientWebSocket"/> connected to a Cosocket node. A background loop reads whole
/// text messages into a queue, so a test can wait for the next one with a deadline without
/// aborting the socket (cancelling a ClientWebSocket receive would).
/// </summary>
internal sealed class Peer : IDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly ClientWebSocket _socket = new();
    private readonly Channel<string?> _received = Channel.CreateUnbounded<string?>();

    private Peer()
    {
    }

    public WebSocketState State => _socket.State;

    /// <param name="token">Sent as <c>Authorization: Bearer</c>.</param>
    /// <param name="deflate">permessage-deflate to offer, or null for none.</param>
    public static async Task<Peer> ConnectAsync(Uri uri, string? token = null, WebSocketDeflateOptions? deflate = null)
    {
        var peer = new Peer();
        if (token is not null)
            peer._socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        peer._socket.Options.DangerousDeflateOptions = deflate;
        await peer._socket.ConnectAsync(uri, CancellationToken.None).WaitAsync(Patience);
        _ = peer.ReadLoopAsync();
        return peer;
    }

    /// <summary>Connects to <c>/connect</c> as <paramref name="user"/> (a fresh one when null) with a
    /// token that may address anything, and returns the peer with its welcome's connection id.</summary>
    public static Task<(Peer Peer, string Id)> JoinAsync(Uri node, string? user = null, params string[] topics) => JoinAsync(node, null, user, topics);

    /// <summary>As <see cref="JoinAsync(Uri, string?, string[])"/>, offering <paramref name="deflate"/> (null: none), as a fresh user.</summary>
    public static Task<(Peer Peer, string Id)> JoinCompressedAsync(Uri node, WebSocketDeflateOptions? deflate, params string[] topics) =>
        JoinAsync(node, deflate, null, topics);

    private static async Task<(Peer Peer, string Id)> JoinAsync(Uri node, WebSocketDeflateOptions? deflate, string? user, string[] topics)
    {
        string query = string.Join("&", topics.Select(t => "topic=" + Uri.EscapeDataString(t)));
        var peer = await ConnectAsync(new Uri(node, "/connect" + (query.Length > 0 ? "?" + query : "")), TestTokens.Full(user ?? "peer-" + Guid.NewGuid().ToString("N")), deflate);
        var welcome = JsonNode.Parse(await peer.ReceiveAsync())!;
        Assert.Equal("welcome", welcome["type"]!.GetValue<string>());
        return (peer, welcome["connection"]!.GetValue<string>());
    }

    public Task SendAsync(string text) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None).WaitAsync(Patience);

    /// <summary>The next text message; fails if none comes within <see cref="Patience"/> or the connection ends.</summary>
    public async Task<string> ReceiveAsync() => await ReceiveOrEndAsync() ?? throw new Xunit.Sdk.XunitException("the connection ended");

    /// <summary>The next text message, or null once the connection has ended; fails after <paramref name="timeout"/> (default <see cref="Patience"/>).</summary>
    public async Task<string?> ReceiveOrEndAsync(TimeSpan? timeout = null)
    {
        // Waiting is cancelled, never a read: a message that comes late stays queued.
        using var deadline = new CancellationTokenSource(timeout ?? Patience);
        try
        {
            while (true)
            {
                if (_received.Reader.TryPeek(out string? next))
                {
                    if (next is null)
                        return null; // the end stays queued for later calls
                    _received.Reader.TryRead(out _);
                    return next;
                }
                await _received.Reader.WaitToReadAsync(deadline.Token);
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no message within {timeout ?? Patience}");
        }
    }

    /// <summary>The next text message if one comes within <paramref name="timeout"/>, else null.</summary>
    public async Task<string?> TryReceiveAsync(TimeSpan timeout)
    {
        try
        {
            return await ReceiveOrEndAsync(timeout);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                    break;
                message.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    _received.Writer.TryWrite(Encoding.UTF8.GetString(message.ToArray()));
                    message.SetLength(0);
                }
            }
        }
        catch (Exception error) when (error is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The connection ended without a close handshake.
        }
        _received.Writer.TryWrite(null);
    }

    /// <summary>Starts the close handshake; the read loop sees the answer.</summary>
    public Task CloseAsync() => _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None).WaitAsync(Patience);

    public void Dispose() => _socket.Dispose();
}
