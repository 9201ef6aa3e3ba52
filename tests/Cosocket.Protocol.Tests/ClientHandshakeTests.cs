using System.Text;
using Cosocket.Protocol.Handshake;

namespace Cosocket.Protocol.Tests;

/// <summary>RFC 6455 §4.1: the original's request byte for byte (docs/compatibility.md §3.3), the response checks of D2.</summary>
public class ClientHandshakeTests
{
    private const string Key = "y7KXwBSpVrxtkR0O+bQt+Q==";
    private const string Accept = "VabQ3HadzXWk54h5+9KssbNVS+s=";

    private static string Request(ClientRequest request)
    {
        var (bytes, err) = ClientHandshake.BuildRequest(request);
        Assert.Null(err);
        return Encoding.UTF8.GetString(bytes!);
    }

    [Fact] // cs.t TEST 19
    public void ScalarProtocols_ExactRequest()
    {
        Assert.Equal(
            "GET / HTTP/1.1\r\nUpgrade: websocket\r\nHost: 127.0.0.1:7986\r\nSec-WebSocket-Key: y7KXwBSpVrxtkR0O+bQt+Q==\r\n" +
            "Sec-WebSocket-Protocol: json\r\nSec-WebSocket-Version: 13\r\nConnection: Upgrade\r\n\r\n",
            Request(new ClientRequest("/", "127.0.0.1:7986", Key, Protocols: "json")));
    }

    [Fact] // cs.t TEST 20
    public void TableProtocols_AreJoinedWithCommaAndNoSpace()
    {
        Assert.Equal(
            "GET / HTTP/1.1\r\nUpgrade: websocket\r\nHost: 127.0.0.1:7986\r\nSec-WebSocket-Key: y7KXwBSpVrxtkR0O+bQt+Q==\r\n" +
            "Sec-WebSocket-Protocol: xml,json\r\nSec-WebSocket-Version: 13\r\nConnection: Upgrade\r\n\r\n",
            Request(new ClientRequest("/", "127.0.0.1:7986", Key, Protocols: ClientRequest.JoinProtocols(["xml", "json"]))));
    }

    [Fact] // cs.t TEST 21
    public void Origin_GoesBetweenVersionAndConnection()
    {
        Assert.Equal(
            "GET / HTTP/1.1\r\nUpgrade: websocket\r\nHost: 127.0.0.1:7986\r\nSec-WebSocket-Key: y7KXwBSpVrxtkR0O+bQt+Q==\r\n" +
            "Sec-WebSocket-Version: 13\r\nOrigin: test.com\r\nConnection: Upgrade\r\n\r\n",
            Request(new ClientRequest("/", "127.0.0.1:7986", Key, Origin: "test.com")));
    }

    [Fact] // cs.t TEST 27
    public void CustomHeaders_FollowConnection_AsTheyAre()
    {
        string request = Request(new ClientRequest("/s", "h:80", Key, Headers: ["a-header: a header value", "another-header: another header value"]));
        Assert.EndsWith("Connection: Upgrade\r\na-header: a header value\r\nanother-header: another header value\r\n\r\n", request);
    }

    [Fact]
    public void EmptyCustomHeaderList_AddsNothing()
    {
        Assert.EndsWith("Connection: Upgrade\r\n\r\n", Request(new ClientRequest("/", "h:80", Key, Headers: [])));
    }

    [Theory]
    [InlineData("/\r\nX: y", "h", null, null)]
    [InlineData("/", "h\r\nX: y", null, null)]
    [InlineData("/", "h", "a\nb", null)]
    [InlineData("/", "h", null, "x: 1\r\n\r\nGET")]
    public void LineBreakInAnyValue_IsRefused(string path, string host, string? origin, string? header)
    {
        var request = new ClientRequest(path, host, Key, Origin: origin, Headers: header is null ? null : [header]);
        Assert.Equal((null, ClientHandshake.HeaderHasLineBreak), ClientHandshake.BuildRequest(request));
    }

    // The response (D2 and RFC 6455 §4.1).

    private const string Good = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + Accept;

    private static ResponseReadResult Read(string head, string? offered = null, string trailer = "") =>
        ClientHandshake.TryReadResponse(Encoding.Latin1.GetBytes(head + "\r\n\r\n" + trailer), Key, offered);

    [Fact]
    public void Valid101_ReturnsTheRawHeaderWithoutTheFinalCrLfCrLf()
    {
        var result = Read(Good, trailer: "\x81\x00");
        Assert.Equal(HeadReadStatus.Complete, result.Status);
        Assert.Equal(Good, result.RawHeader);
        Assert.Equal(Good.Length + 4, result.Consumed);
    }

    [Fact]
    public void PartialResponse_IsIncomplete()
    {
        Assert.Equal(HeadReadStatus.Incomplete, ClientHandshake.TryReadResponse(Encoding.Latin1.GetBytes(Good + "\r\n\r"), Key).Status);
    }

    [Theory]
    [InlineData("HTTP/1.0 101 Switching Protocols")]
    [InlineData("blah")]
    [InlineData("HTTP/1.1")]
    public void NotHttp11_IsBadStatusLine_QuotingTheWholeHeader(string statusLine)
    {
        string head = statusLine + "\r\nServer: x";
        Assert.Equal("bad HTTP response status line: " + head, Read(head).Error);
    }

    [Fact]
    public void LeadingWhitespace_BeforeTheStatusLine_IsAccepted()
    {
        Assert.Null(Read("\r\n " + Good).Error);
    }

    [Theory]
    [InlineData(403)]
    [InlineData(301)]
    [InlineData(200)]
    public void D2_Non101_FailsWithTheStatus_AndStillReturnsTheHeader(int status)
    {
        string head = $"HTTP/1.1 {status} Nope\r\nContent-Length: 0";
        var result = Read(head);
        Assert.Equal($"failed websocket handshake: unexpected response status: {status}", result.Error);
        Assert.Equal(head, result.RawHeader);
    }

    [Fact]
    public void D2_WrongAccept_Fails()
    {
        Assert.Equal("failed websocket handshake: bad \"sec-websocket-accept\" response header", Read(Good.Replace(Accept, "AAAA")).Error);
    }

    [Fact]
    public void D2_HeaderOverMaxHeaderLen_FailsTooLarge()
    {
        byte[] huge = Encoding.Latin1.GetBytes(Good + "\r\nX-Big: " + new string('a', 20000));
        Assert.Equal("failed to receive response header: too large", ClientHandshake.TryReadResponse(huge, Key).Error);
    }

    [Fact]
    public void Rfc4_1_MissingUpgrade_Fails()
    {
        Assert.Equal("failed websocket handshake: bad \"upgrade\" response header", Read(Good.Replace("Upgrade: websocket\r\n", "")).Error);
    }

    [Fact]
    public void Rfc4_1_ConnectionWithoutUpgradeToken_Fails()
    {
        Assert.Equal("failed websocket handshake: bad \"connection\" response header", Read(Good.Replace("Connection: Upgrade", "Connection: close")).Error);
        Assert.Null(Read(Good.Replace("Connection: Upgrade", "connection: keep-alive, UPGRADE")).Error);
    }

    [Fact]
    public void Rfc4_1_UnrequestedExtension_Fails()
    {
        Assert.Equal("failed websocket handshake: bad \"sec-websocket-extensions\" response header", Read(Good + "\r\nSec-WebSocket-Extensions: permessage-deflate").Error);
    }

    [Fact]
    public void Rfc4_1_SubprotocolMustBeOneOffered()
    {
        var result = Read(Good + "\r\nSec-WebSocket-Protocol: json", offered: "xml,json");
        Assert.Equal(("json", (string?)null), (result.Subprotocol, result.Error));
        Assert.Equal("failed websocket handshake: bad \"sec-websocket-protocol\" response header", Read(Good + "\r\nSec-WebSocket-Protocol: json", offered: "xml").Error);
        Assert.Equal("failed websocket handshake: bad \"sec-websocket-protocol\" response header", Read(Good + "\r\nSec-WebSocket-Protocol: json").Error);
    }
}
