using System.Text;

namespace Cosocket.Protocol.Handshake;

/// <summary>What goes into the client's opening request (docs/compatibility.md §3.3).</summary>
/// <param name="Path">Request target, e.g. <c>/chat?x=1</c>.</param>
/// <param name="Host">The Host header: the <c>host</c> option verbatim, else <c>addr:port</c>.</param>
/// <param name="Key">Sec-WebSocket-Key: the <c>key</c> option, else <see cref="HandshakeKeys.NewKey"/>.</param>
/// <param name="Protocols">Sec-WebSocket-Protocol as sent: a list is joined with "," and no spaces.</param>
/// <param name="Headers">Complete "Name: value" lines, sent as they are after the built-in headers.</param>
public sealed record ClientRequest(string Path, string Host, string Key, string? Protocols = null, string? Origin = null, IReadOnlyList<string>? Headers = null)
{
    /// <summary>Joins a protocol list the original's way: <c>{"xml","json"}</c> becomes <c>xml,json</c>.</summary>
    public static string JoinProtocols(IEnumerable<string> protocols) => string.Join(',', protocols);
}

/// <summary>The outcome of reading the server's response head.</summary>
/// <param name="RawHeader">Status line and headers without the final CRLFCRLF (the seed's third
/// return value of <c>connect</c>); set whenever the head was read, on failure too.</param>
/// <param name="Consumed">Bytes of the head with its CRLFCRLF; what follows belongs to the frame decoder.</param>
/// <param name="Subprotocol">The protocol the server confirmed, or null.</param>
/// <param name="Deflate">What the server agreed of the permessage-deflate offer, or null.</param>
public readonly record struct ResponseReadResult(HeadReadStatus Status, string? RawHeader, int Consumed, string? Error, string? Subprotocol,
    Deflate.DeflateParameters? Deflate = null);

/// <summary>The client side of the opening handshake (RFC 6455 §4.1).</summary>
public static class ClientHandshake
{
    /// <summary>Cosocket's own: a CR or LF in a header value would end the header early and let the
    /// value inject headers or a body.</summary>
    public const string HeaderHasLineBreak = "handshake request header values must not contain CR or LF";

    /// <summary>The request, byte for byte as the original writes it (docs/compatibility.md §3.3).</summary>
    /// <returns>The request bytes, or null and an error for a value that would break the head.</returns>
    public static (byte[]? Request, string? Err) BuildRequest(ClientRequest request)
    {
        string?[] values = [request.Path, request.Host, request.Key, request.Protocols, request.Origin, .. request.Headers ?? []];
        foreach (string? value in values)
        {
            if (value is not null && value.AsSpan().IndexOfAny('\r', '\n') >= 0)
                return (null, HeaderHasLineBreak);
        }

        var text = new StringBuilder(256)
            .Append("GET ").Append(request.Path).Append(" HTTP/1.1\r\n")
            .Append("Upgrade: websocket\r\n")
            .Append("Host: ").Append(request.Host).Append("\r\n")
            .Append("Sec-WebSocket-Key: ").Append(request.Key).Append("\r\n");
        if (request.Protocols is not null)
            text.Append("Sec-WebSocket-Protocol: ").Append(request.Protocols).Append("\r\n");
        text.Append("Sec-WebSocket-Version: 13\r\n");
        if (request.Origin is not null)
            text.Append("Origin: ").Append(request.Origin).Append("\r\n");
        text.Append("Connection: Upgrade\r\n");
        // The original adds a stray CRLF for an empty list, which a server would read as the start
        // of the frame stream; an empty list adds nothing here.
        foreach (string line in request.Headers ?? [])
            text.Append(line).Append("\r\n");
        text.Append("\r\n");
        return (Encoding.UTF8.GetBytes(text.ToString()), null);
    }

    /// <summary>
    /// Reads and validates the response head from the front of <paramref name="buffer"/>: the
    /// original's status-line check, then status 101 and Sec-WebSocket-Accept (D2), then the other
    /// musts of RFC 6455 §4.1 (Upgrade, Connection, no unrequested extension or subprotocol).
    /// </summary>
    /// <param name="offeredProtocols">The Sec-WebSocket-Protocol value the request carried, or null.</param>
    /// <param name="offeredDeflate">The permessage-deflate offer the request carried, or null: without
    /// one, any extension in the response fails the connection.</param>
    public static ResponseReadResult TryReadResponse(ReadOnlySpan<byte> buffer, string key, string? offeredProtocols = null, int maxHeaderLength = HttpHead.DefaultMaxHeaderLength,
        Deflate.DeflateParameters? offeredDeflate = null)
    {
        int end = HttpHead.FindEnd(buffer, maxHeaderLength, out bool tooLarge);
        if (tooLarge)
            return new(HeadReadStatus.Failed, null, 0, ProtocolErrors.ResponseHeaderTooLarge, null);
        if (end < 0)
            return new(HeadReadStatus.Incomplete, null, 0, null, null);

        string raw = Encoding.Latin1.GetString(buffer[..end]);
        int consumed = end + HttpHead.Terminator.Length;
        ResponseReadResult Fail(string error) => new(HeadReadStatus.Failed, raw, consumed, error, null);

        // The original's only check: ^\s*HTTP/1\.1\s+
        string head = raw.TrimStart();
        if (!head.StartsWith("HTTP/1.1", StringComparison.Ordinal) || head.Length == 8 || !char.IsWhiteSpace(head[8]))
            return Fail(ProtocolErrors.BadResponseStatusLinePrefix + raw);
        // RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ]
        var (statusLine, headers) = HttpHead.ParseResponse(head);
        ReadOnlySpan<char> code = statusLine.AsSpan(8).TrimStart();
        code = code[..(code.IndexOf(' ') is >= 0 and var space ? space : code.Length)];
        if (headers is null || code.Length != 3 || !char.IsAsciiDigit(code[0]) || !char.IsAsciiDigit(code[1]) || !char.IsAsciiDigit(code[2]))
            return Fail(ProtocolErrors.BadResponseStatusLinePrefix + raw);

        // RFC 6455 §4.1: "If the status code received from the server is not 101, the client
        // handles the response per HTTP procedures." Upstream's later fix, same text (D2).
        if (!code.SequenceEqual("101"))
            return Fail(ProtocolErrors.UnexpectedResponseStatusPrefix + code.ToString());

        // RFC 6455 §4.1 client steps 2–6: each failure "MUST _Fail the WebSocket Connection_".
        if (!string.Equals(headers["Upgrade"], "websocket", StringComparison.OrdinalIgnoreCase))
            return Fail(ProtocolErrors.BadUpgradeResponseHeader);
        if (!headers.GetListElements("Connection").Any(t => t.Equals("upgrade", StringComparison.OrdinalIgnoreCase)))
            return Fail(ProtocolErrors.BadConnectionResponseHeader);
        if (headers["Sec-WebSocket-Accept"] != HandshakeKeys.ComputeAccept(key))
            return Fail(ProtocolErrors.BadAcceptResponseHeader);
        Deflate.DeflateParameters? deflate = null;
        if (offeredDeflate is null)
        {
            if (headers.GetListElements(ExtensionHeader.Name).Any())
                return Fail(ProtocolErrors.BadExtensionsResponseHeader);
        }
        else
        {
            deflate = Deflate.DeflateNegotiation.ReadResponse(headers, offeredDeflate, out string? extensionError);
            if (extensionError is not null)
                return Fail(extensionError);
        }

        string? subprotocol = headers["Sec-WebSocket-Protocol"];
        if (subprotocol is not null)
        {
            var offered = (offeredProtocols ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (!offered.Contains(subprotocol, StringComparer.Ordinal))
                return Fail(ProtocolErrors.BadProtocolResponseHeader);
        }
        return new(HeadReadStatus.Complete, raw, consumed, null, subprotocol, deflate);
    }
}
