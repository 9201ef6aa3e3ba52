namespace Cosocket.Protocol.Tests;

/// <summary>RFC 6455 §3 URIs as the client takes them (docs/compatibility.md §3.3, D8).</summary>
public class WebSocketUriTests
{
    [Theory]
    [InlineData("ws://127.0.0.1:8080/s", false, "127.0.0.1", 8080, "/s", "127.0.0.1:8080")]
    [InlineData("ws://example.com", false, "example.com", 80, "/", "example.com:80")]
    [InlineData("wss://example.com", true, "example.com", 443, "/", "example.com:443")]
    [InlineData("wss://example.com:8443/a/b?x=1&y=2", true, "example.com", 8443, "/a/b?x=1&y=2", "example.com:8443")]
    [InlineData("WS://Example.com/chat", false, "Example.com", 80, "/chat", "Example.com:80")]
    [InlineData("WsS://h/", true, "h", 443, "/", "h:443")]
    [InlineData("ws://h?x=1", false, "h", 80, "/?x=1", "h:80")]
    [InlineData("ws://h:8080?x=1", false, "h", 8080, "/?x=1", "h:8080")]
    [InlineData("ws://h:/p", false, "h", 80, "/p", "h:80")]
    [InlineData("ws://[::1]:9000/chat", false, "::1", 9000, "/chat", "[::1]:9000")]
    [InlineData("wss://[2001:db8::1]", true, "2001:db8::1", 443, "/", "[2001:db8::1]:443")]
    [InlineData("ws://0080.example:0080/", false, "0080.example", 80, "/", "0080.example:80")]
    public void ValidUri_Parses(string text, bool secure, string host, int port, string path, string hostHeader)
    {
        Assert.True(WebSocketUri.TryParse(text, out var uri, out _));
        Assert.Equal((secure, host, port, path, (string?)null), (uri.IsSecure, uri.Host, uri.Port, uri.Path, uri.UnixSocketPath));
        Assert.Equal(hostHeader, uri.DefaultHostHeader);
        Assert.Equal(hostHeader, uri.DefaultPoolKey);
    }

    [Theory]
    [InlineData("ws://unix:/tmp/x.sock:/chat", "/tmp/x.sock", "/chat")]
    [InlineData("wss://unix:/var/run/app.sock:/a?b=c", "/var/run/app.sock", "/a?b=c")]
    [InlineData("ws://unix:/tmp/x.sock:", "/tmp/x.sock", "/")]
    [InlineData("ws://unix:/tmp/x.sock", "/tmp/x.sock", "/")]
    public void UnixSocketUri_SelectsTheSocket(string text, string socketPath, string path)
    {
        Assert.True(WebSocketUri.TryParse(text, out var uri, out _));
        Assert.Equal((socketPath, path, "unix:" + socketPath), (uri.UnixSocketPath, uri.Path, uri.Host));
        Assert.Equal(socketPath, uri.DefaultPoolKey);
        Assert.Equal("localhost", uri.DefaultHostHeader);
    }

    [Fact]
    public void DefaultPoolKey_IsHostAndPort()
    {
        Assert.True(WebSocketUri.TryParse("ws://example.com/x", out var uri, out _));
        Assert.Equal("example.com:80", uri.DefaultPoolKey);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("http://example.com/")]
    [InlineData("ws:/example.com")]
    [InlineData("ws://")]
    [InlineData("ws:///path")]
    [InlineData("ws://h:abc/")]
    [InlineData("ws://h:0/")]
    [InlineData("ws://h:65536/")]
    [InlineData("ws://h:123456/")]
    [InlineData("ws://user@h/")]
    [InlineData("ws://h/#frag")]
    [InlineData("ws://h/a b")]
    [InlineData("ws://h/a\r\nX: y")]
    [InlineData("ws://[::1/")]
    [InlineData("ws://[127.0.0.1]/")]
    [InlineData("ws://[::1]x/")]
    [InlineData("ws://unix::/chat")]
    [InlineData("ws://unix:/x.sock:chat")]
    public void BadUri_IsBadWebSocketUri(string? text)
    {
        Assert.False(WebSocketUri.TryParse(text, out _, out string? error));
        Assert.Equal("bad websocket uri", error);
    }
}
