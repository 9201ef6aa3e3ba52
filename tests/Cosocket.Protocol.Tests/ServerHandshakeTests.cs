using System.Text;
using Cosocket.Protocol.Handshake;

namespace Cosocket.Protocol.Tests;

/// <summary>RFC 6455 §4.2, checked in the original's order (docs/compatibility.md §2.2), with D3 and D4.</summary>
public class ServerHandshakeTests
{
    private const string SanityRequest =
        "GET /t HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\nSec-WebSocket-Protocol: chat\r\n" +
        "Sec-WebSocket-Version: 13\r\nOrigin: http://example.com\r\n\r\n";

    private static HttpRequestHead Read(string request)
    {
        var result = ServerHandshake.TryReadRequest(Encoding.Latin1.GetBytes(request));
        Assert.Equal(HeadReadStatus.Complete, result.Status);
        return result.Request!;
    }

    private static string Without(string header) =>
        string.Join("\r\n", SanityRequest.Split("\r\n").Where(l => !l.StartsWith(header + ":", StringComparison.Ordinal)));

    private static string Replace(string header, string value) => SanityRequest.Replace(
        SanityRequest.Split("\r\n").Single(l => l.StartsWith(header + ":", StringComparison.Ordinal)), $"{header}: {value}");

    [Fact] // sanity.t TEST 1
    public void SimpleHandshake_Gives101WithExactHeadersAndNoContentType()
    {
        var request = Read(SanityRequest);
        Assert.Null(ServerHandshake.Validate(request));
        string? protocol = ServerHandshake.SelectSubprotocol(request.Headers);
        string response = Encoding.UTF8.GetString(ServerHandshake.BuildResponse(request.Headers["Sec-WebSocket-Key"]!, protocol));
        Assert.Equal(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n" +
            "Sec-WebSocket-Accept: HSmrc0sMlYUkAGmm5OPpG2HaGWk=\r\nSec-WebSocket-Protocol: chat\r\n\r\n", response);
        Assert.DoesNotContain("Content-Type", response);
    }

    [Fact] // sanity.t TEST 21
    public void Firefox22Handshake_WithKeepAliveUpgrade_IsAccepted()
    {
        var request = Read(Replace("Connection", "keep-alive, Upgrade").Replace("x3JJHMbDL1EzLkh9GBhXDw==", "05EiFj8mhoZ5F/oFE3Tyeg=="));
        Assert.Null(ServerHandshake.Validate(request));
        string response = Encoding.UTF8.GetString(ServerHandshake.BuildResponse(request.Headers["sec-websocket-key"]!, "chat"));
        Assert.Contains("Sec-WebSocket-Accept: tBNO4O+F4DrQyajB62pvtRNU8LM=\r\n", response);
    }

    [Theory] // the four key and accept pairs of docs/compatibility.md §2.2, the last being RFC 6455 §1.3's own example
    [InlineData("x3JJHMbDL1EzLkh9GBhXDw==", "HSmrc0sMlYUkAGmm5OPpG2HaGWk=")]
    [InlineData("05EiFj8mhoZ5F/oFE3Tyeg==", "tBNO4O+F4DrQyajB62pvtRNU8LM=")]
    [InlineData("y7KXwBSpVrxtkR0O+bQt+Q==", "VabQ3HadzXWk54h5+9KssbNVS+s=")]
    [InlineData("dGhlIHNhbXBsZSBub25jZQ==", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")]
    public void Rfc4_2_2_AcceptIsBase64OfSha1OfKeyAndGuid(string key, string accept)
    {
        Assert.Equal(accept, HandshakeKeys.ComputeAccept(key));
    }

    [Fact]
    public void NewKey_Is16RandomBytesInBase64()
    {
        string key = HandshakeKeys.NewKey();
        Assert.Equal(24, key.Length);
        Assert.EndsWith("==", key);
        Assert.Equal(16, Convert.FromBase64String(key).Length);
        Assert.NotEqual(key, HandshakeKeys.NewKey());
    }

    [Fact]
    public void BytesPipelinedAfterTheRequest_AreNotConsumed()
    {
        byte[] frame = Wire.Frame(true, 0x1, Wire.Utf8("foo"));
        byte[] bytes = [.. Encoding.Latin1.GetBytes(SanityRequest), .. frame];
        var result = ServerHandshake.TryReadRequest(bytes);
        Assert.Equal(bytes.Length - frame.Length, result.Consumed);
        Assert.Equal("foo", Wire.RecvOne(bytes[result.Consumed..]).Text);
    }

    [Fact]
    public void PartialRequest_IsIncomplete()
    {
        Assert.Equal(HeadReadStatus.Incomplete, ServerHandshake.TryReadRequest(Encoding.Latin1.GetBytes(SanityRequest[..^1])).Status);
    }

    // The checks, in order, with the seed's strings.

    [Theory]
    [InlineData("HTTP/1.0")]
    [InlineData("HTTP/2")]
    public void NotHttp11_IsBadHttpVersion(string version)
    {
        var error = ServerHandshake.Validate(Read(SanityRequest.Replace("HTTP/1.1", version)));
        Assert.Equal(new HandshakeError("bad http version", 400), error);
    }

    [Fact]
    public void MissingUpgrade_SaysNil()
    {
        Assert.Equal("bad \"upgrade\" request header: nil", ServerHandshake.Validate(Read(Without("Upgrade")))!.Message);
    }

    [Fact]
    public void WrongUpgrade_QuotesTheValue()
    {
        Assert.Equal("bad \"upgrade\" request header: h2c", ServerHandshake.Validate(Read(Replace("Upgrade", "h2c")))!.Message);
    }

    [Fact]
    public void UpgradeValue_IsCaseInsensitive_AndHeaderNamesToo()
    {
        Assert.Null(ServerHandshake.Validate(Read(Replace("Upgrade", "WebSocket").Replace("Connection:", "connection:"))));
    }

    [Fact]
    public void RepeatedHeader_FirstOccurrenceWins()
    {
        string twice = SanityRequest.Replace("Upgrade: websocket\r\n", "Upgrade: websocket\r\nUpgrade: h2c\r\n");
        Assert.Null(ServerHandshake.Validate(Read(twice)));
        string reversed = SanityRequest.Replace("Upgrade: websocket\r\n", "Upgrade: h2c\r\nUpgrade: websocket\r\n");
        Assert.Equal("bad \"upgrade\" request header: h2c", ServerHandshake.Validate(Read(reversed))!.Message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("keep-alive")]
    public void ConnectionWithoutUpgrade_IsBadConnection(string? value)
    {
        string request = value is null ? Without("Connection") : Replace("Connection", value);
        Assert.Equal("bad \"connection\" request header", ServerHandshake.Validate(Read(request))!.Message);
    }

    [Fact]
    public void MissingKey_IsBadKey()
    {
        Assert.Equal("bad \"sec-websocket-key\" request header", ServerHandshake.Validate(Read(Without("Sec-WebSocket-Key")))!.Message);
    }

    [Theory]
    [InlineData("8")]
    [InlineData(null)]
    public void OtherVersion_IsBadVersion_AnsweredWith426(string? version)
    {
        string request = version is null ? Without("Sec-WebSocket-Version") : Replace("Sec-WebSocket-Version", version);
        Assert.Equal(new HandshakeError("bad \"sec-websocket-version\" request header", 426), ServerHandshake.Validate(Read(request)));
    }

    // RFC 6455 §4.2.1, beyond the original's checks (it upgrades all of these).

    [Theory]
    [InlineData("POST")]
    [InlineData("HEAD")]
    [InlineData("get")]
    public void MethodOtherThanGet_Is405WithAllow(string method)
    {
        var error = ServerHandshake.Validate(Read(method + SanityRequest[3..]));
        Assert.Equal(new HandshakeError("bad request method", 405), error);
        string rejection = Encoding.UTF8.GetString(ServerHandshake.BuildRejection(error!));
        Assert.StartsWith("HTTP/1.1 405 Method Not Allowed\r\n", rejection, StringComparison.Ordinal);
        Assert.Contains("\r\nAllow: GET\r\n", rejection, StringComparison.Ordinal);
    }

    [Fact]
    public void NoHost_Is400()
    {
        Assert.Equal(new HandshakeError("missing \"host\" request header", 400), ServerHandshake.Validate(Read(Without("Host"))));
        Assert.Equal(new HandshakeError("missing \"host\" request header", 400), ServerHandshake.Validate(Read(SanityRequest.Replace("Host: localhost\r\n", "Host: a\r\nHost: b\r\n"))));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("x3JJHMbDL1EzLkh9GBhXDw")] // 16 bytes, but not padded to 24 characters
    [InlineData("x3JJHMbDL1EzLkh9GBhXDx3JJHMb")] // decodes to 21 bytes
    [InlineData("x3JJHMbDL1Ez Lkh9GBhXDw=")]
    [InlineData("!3JJHMbDL1EzLkh9GBhXDw==")]
    public void KeyThatIsNot16BytesInBase64_Is400(string key)
    {
        Assert.Equal(new HandshakeError("bad \"sec-websocket-key\" request header", 400), ServerHandshake.Validate(Read(Replace("Sec-WebSocket-Key", key))));
    }

    [Fact]
    public void KeyGivenTwice_Is400()
    {
        string twice = SanityRequest.Replace("Sec-WebSocket-Version: 13\r\n", "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n");
        Assert.Equal(new HandshakeError("bad \"sec-websocket-key\" request header", 400), ServerHandshake.Validate(Read(twice)));
    }

    [Fact]
    public void NewChecks_ComeAfterTheOriginals()
    {
        // A POST without Upgrade gets the original's error, not the method's.
        Assert.Equal("bad \"upgrade\" request header: nil", ServerHandshake.Validate(Read("POST / HTTP/1.1\r\n\r\n"))!.Message);
    }

    [Fact]
    public void ChecksRunInTheOriginalsOrder()
    {
        // Every header missing: the first check to fail is Upgrade's.
        Assert.Equal("bad \"upgrade\" request header: nil", ServerHandshake.Validate(Read("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))!.Message);
    }

    // Malformed heads and limits (D4).

    [Fact]
    public void HeadOverMaxHeaderLen_IsRefusedWith431_BeforeItEnds()
    {
        byte[] huge = Encoding.Latin1.GetBytes("GET / HTTP/1.1\r\nX-Big: " + new string('a', 20000));
        var result = ServerHandshake.TryReadRequest(huge, maxHeaderLength: 16384);
        Assert.Equal(new HandshakeError("failed to receive request header: too large", 431), result.Error);
    }

    [Theory]
    [InlineData("GET /\r\n\r\n", "malformed request line")]
    [InlineData("GET  / HTTP/1.1\r\n\r\n", "malformed request line")]
    [InlineData("GET / HTTP/1.1\r\nNoColonHere\r\n\r\n", "malformed request header")]
    [InlineData("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", "malformed request header")]
    [InlineData("GET / HTTP/1.1\r\n folded: x\r\n\r\n", "malformed request header")]
    public void MalformedHead_IsRefusedWith400(string head, string error)
    {
        var result = ServerHandshake.TryReadRequest(Encoding.Latin1.GetBytes(head));
        Assert.Equal((HeadReadStatus.Failed, new HandshakeError(error, 400)), (result.Status, result.Error));
    }

    [Fact]
    public void D4_Rejection_Is400WithTheErrorAsBody()
    {
        string response = Encoding.UTF8.GetString(ServerHandshake.BuildRejection(new("bad \"connection\" request header", 400)));
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", response);
        Assert.EndsWith("\r\n\r\nbad \"connection\" request header", response);
        Assert.Contains("Content-Length: 31\r\n", response);
    }

    [Fact]
    public void D4_VersionRejection_Is426AndNamesVersion13()
    {
        string response = Encoding.UTF8.GetString(ServerHandshake.BuildRejection(new("bad \"sec-websocket-version\" request header", 426)));
        Assert.StartsWith("HTTP/1.1 426 Upgrade Required\r\n", response);
        Assert.Contains("\r\nSec-WebSocket-Version: 13\r\n", response);
    }

    [Fact]
    public void D4_TooLargeRejection_Is431()
    {
        Assert.StartsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n",
            Encoding.UTF8.GetString(ServerHandshake.BuildRejection(new("failed to receive request header: too large", 431))));
    }

    // Subprotocols (D3).

    private static HttpHeaders Offering(string value) => Read(Replace("Sec-WebSocket-Protocol", value)).Headers;

    [Fact]
    public void D3_WithoutOption_EchoesTheFirstOfferedToken()
    {
        Assert.Equal("chat", ServerHandshake.SelectSubprotocol(Offering("chat, superchat")));
    }

    [Fact]
    public void D3_WithSupportedList_PicksTheFirstOfferedThatIsSupported()
    {
        Assert.Equal("superchat", ServerHandshake.SelectSubprotocol(Offering("chat, superchat, json"), supported: ["json", "superchat"]));
        Assert.Null(ServerHandshake.SelectSubprotocol(Offering("chat"), supported: ["json"]));
    }

    [Fact]
    public void D3_Selector_ChoosesAmongTheOffered_AndCannotInventOne()
    {
        Assert.Equal("b", ServerHandshake.SelectSubprotocol(Offering("a, b"), selector: offered => offered[^1]));
        Assert.Null(ServerHandshake.SelectSubprotocol(Offering("a, b"), selector: _ => "c"));
    }

    [Fact]
    public void D3_NoOffer_NoProtocol()
    {
        Assert.Null(ServerHandshake.SelectSubprotocol(Read(Without("Sec-WebSocket-Protocol")).Headers, supported: ["chat"]));
    }

    [Fact] // cs.t TEST 38
    public void ExtraResponseHeaders_AreKeptInThe101()
    {
        string response = Encoding.UTF8.GetString(ServerHandshake.BuildResponse("x3JJHMbDL1EzLkh9GBhXDw==", null, [new("X-My-Custom-Header", "test")]));
        Assert.Matches("^HTTP/1.1 101 Switching Protocols.*X-My-Custom-Header: test.*", response.Replace("\r\n", " "));
    }

    [Fact]
    public void ExtraResponseHeader_WithLineBreak_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => ServerHandshake.BuildResponse("k", null, [new("X-A", "a\r\nSet-Cookie: x")]));
        Assert.Throws<ArgumentException>(() => ServerHandshake.BuildResponse("k", null, [new("X A", "a")]));
    }

    [Theory]
    [InlineData(new byte[] { 0x16, 0x03, 0x01, 0x02, 0x00 }, ProtocolErrors.TlsOnPlainPort)]
    [InlineData(new byte[] { 0x00 }, ProtocolErrors.MalformedRequestLine)]
    [InlineData(new byte[] { (byte)' ', (byte)'G' }, ProtocolErrors.MalformedRequestLine)]
    public void TryReadRequest_FirstByteThatCannotStartAMethod_FailsAtOnce(byte[] input, string error)
    {
        var result = ServerHandshake.TryReadRequest(input);
        Assert.Equal(HeadReadStatus.Failed, result.Status);
        Assert.Equal(new HandshakeError(error, 400), result.Error);
    }

    [Fact]
    public void TryReadRequest_TheStartOfAMethod_WaitsForMore() =>
        Assert.Equal(HeadReadStatus.Incomplete, ServerHandshake.TryReadRequest("GE"u8).Status);

    /// <summary>An RFC 8441 extended CONNECT as an HTTP/2 server hands it over: no Upgrade, Connection or key.</summary>
    private static HttpRequestHead ExtendedConnect(string method = "CONNECT", string protocol = "websocket", string? version = "13", bool host = true)
    {
        var fields = new List<KeyValuePair<string, string>>();
        if (host)
            fields.Add(new("Host", "localhost"));
        if (version is not null)
            fields.Add(new("Sec-WebSocket-Version", version));
        fields.Add(new("Sec-WebSocket-Protocol", "chat"));
        return new HttpRequestHead(method, "/t", "HTTP/2", new HttpHeaders(fields), protocol);
    }

    [Fact]
    public void Rfc8441_ExtendedConnect_IsValid_WithoutKeyUpgradeOrConnection()
    {
        Assert.Null(ServerHandshake.Validate(ExtendedConnect()));
        Assert.Null(ServerHandshake.Validate(ExtendedConnect(protocol: "WebSocket")));
    }

    [Fact]
    public void Rfc8441_ExtendedConnect_IsAccepted_With200_AndNoAccept()
    {
        string response = Encoding.UTF8.GetString(ServerHandshake.BuildResponse(ExtendedConnect(), "chat", [new("X-Extra", "1")], "permessage-deflate"));
        Assert.Equal("HTTP/2 200 OK\r\nSec-WebSocket-Protocol: chat\r\nSec-WebSocket-Extensions: permessage-deflate\r\nX-Extra: 1\r\n\r\n", response);
    }

    [Fact]
    public void Rfc8441_TheHttp11RequestOfTheSameHead_StillGetsThe101()
    {
        var request = Read(SanityRequest);
        Assert.Equal(ServerHandshake.BuildResponse(request.Headers["Sec-WebSocket-Key"]!, "chat"), ServerHandshake.BuildResponse(request, "chat"));
    }

    [Theory]
    [InlineData("connect-udp", "bad \":protocol\" pseudo-header: connect-udp", 400)]
    [InlineData("", "bad \":protocol\" pseudo-header: ", 400)]
    public void Rfc8441_AnotherProtocol_Is400(string protocol, string error, int status)
    {
        Assert.Equal(new HandshakeError(error, status), ServerHandshake.Validate(ExtendedConnect(protocol: protocol)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("8")]
    public void Rfc8441_OtherVersion_Is426(string? version)
    {
        Assert.Equal(new HandshakeError("bad \"sec-websocket-version\" request header", 426), ServerHandshake.Validate(ExtendedConnect(version: version)));
    }

    [Fact]
    public void Rfc8441_MethodOtherThanConnect_Is405_AndNoAuthority_Is400()
    {
        Assert.Equal(405, ServerHandshake.Validate(ExtendedConnect(method: "GET"))!.StatusCode);
        Assert.Equal(new HandshakeError("missing \"host\" request header", 400), ServerHandshake.Validate(ExtendedConnect(host: false)));
    }
}
