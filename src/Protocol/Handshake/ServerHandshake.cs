using System.Text;

namespace Cosocket.Protocol.Handshake;

/// <summary>Why a server handshake failed: the seed's error string and the HTTP status of the
/// default rejection response (D4).</summary>
public sealed record HandshakeError(string Message, int StatusCode);

public enum HeadReadStatus
{
    /// <summary>The head is not complete yet: read more bytes.</summary>
    Incomplete,
    Complete,
    Failed,
}

/// <summary>The outcome of reading a request head from the front of a buffer.</summary>
/// <param name="Consumed">Bytes of the head including its CRLFCRLF; anything after it is the
/// client's first frames and belongs to the frame decoder.</param>
public readonly record struct RequestReadResult(HeadReadStatus Status, HttpRequestHead? Request, int Consumed, HandshakeError? Error);

/// <summary>
/// The server side of the opening handshake (RFC 6455 §4.2), checked in the original's order with its
/// exact errors (docs/compatibility.md §2.2), and the 101 and rejection responses.
/// </summary>
public static class ServerHandshake
{
    /// <summary>The first byte of a TLS record carrying a handshake message (RFC 8446 §5.1: ContentType handshake(22)).</summary>
    private const byte TlsHandshakeRecord = 22;

    /// <summary>Reads a request head from the front of <paramref name="buffer"/>.</summary>
    public static RequestReadResult TryReadRequest(ReadOnlySpan<byte> buffer, int maxHeaderLength = HttpHead.DefaultMaxHeaderLength)
    {
        // RFC 9112 §3: a request starts with its method, a token. Bytes that cannot start one are
        // refused at once rather than after the handshake timeout: a TLS ClientHello (a wss://
        // client on a ws:// port), or anything else that is not HTTP.
        // (An empty line before it, which §2.2 says a server SHOULD ignore, is left to the parser.)
        if (!buffer.IsEmpty && buffer[0] is not ((byte)'\r' or (byte)'\n') && !HttpHead.IsToken([(char)buffer[0]]))
            return new(HeadReadStatus.Failed, null, 0, new(buffer[0] == TlsHandshakeRecord ? ProtocolErrors.TlsOnPlainPort : ProtocolErrors.MalformedRequestLine, 400));
        int end = HttpHead.FindEnd(buffer, maxHeaderLength, out bool tooLarge);
        if (tooLarge)
            return new(HeadReadStatus.Failed, null, 0, new(ProtocolErrors.RequestHeaderTooLarge, 431));
        if (end < 0)
            return new(HeadReadStatus.Incomplete, null, 0, null);
        var request = HttpHead.ParseRequest(buffer[..end], out string? error);
        if (request is null)
            return new(HeadReadStatus.Failed, null, 0, new(error!, 400));
        return new(HeadReadStatus.Complete, request, end + HttpHead.Terminator.Length, null);
    }

    /// <summary>The original's checks, in its order (docs/compatibility.md §2.2); null when the request is a valid upgrade.</summary>
    public static HandshakeError? Validate(HttpRequestHead request)
    {
        if (request.IsExtendedConnect)
            return ValidateExtendedConnect(request);

        // RFC 6455 §4.2.1: "An HTTP/1.1 or higher GET request"; the original takes exactly 1.1.
        if (request.Version != "HTTP/1.1")
            return new(ProtocolErrors.BadHttpVersion, 400);

        string? upgrade = request.Headers["Upgrade"];
        if (upgrade is null || !string.Equals(upgrade, "websocket", StringComparison.OrdinalIgnoreCase))
            return new(ProtocolErrors.BadUpgradeRequestHeaderPrefix + (upgrade ?? "nil"), 400);

        // A plain substring test, as the original: "keep-alive, Upgrade" passes.
        string? connection = request.Headers["Connection"];
        if (connection is null || !connection.Contains("upgrade", StringComparison.OrdinalIgnoreCase))
            return new(ProtocolErrors.BadConnectionRequestHeader, 400);

        if (request.Headers["Sec-WebSocket-Key"] is null)
            return new(ProtocolErrors.BadKeyRequestHeader, 400);

        // RFC 6455 §4.2.2: a version the server does not speak gets "426 Upgrade Required" with the
        // versions it does speak (D4).
        if (request.Headers["Sec-WebSocket-Version"] != "13")
            return new(ProtocolErrors.BadVersionRequestHeader, 426);

        // What RFC 6455 §4.2.1 requires beyond the original's checks, after them so that a request
        // the original refuses gets the original's error. "The method of the request MUST be GET"
        // (methods are case-sensitive: "get" is not GET).
        if (request.Method != "GET")
            return new(ProtocolErrors.BadRequestMethod, 405);
        // "A |Host| header field containing the server's authority."
        if (request.Headers.CountOf("Host") != 1)
            return new(ProtocolErrors.MissingHostRequestHeader, 400);
        // "A |Sec-WebSocket-Key| header field with a base64-encoded value that, when decoded, is 16
        // bytes in length." Given twice, it is not one such value.
        if (request.Headers.CountOf("Sec-WebSocket-Key") != 1 || !HandshakeKeys.IsValidKey(request.Headers["Sec-WebSocket-Key"]!))
            return new(ProtocolErrors.BadKeyRequestHeader, 400);

        return null;
    }

    /// <summary>
    /// An RFC 8441 extended CONNECT, which an HTTP/2 server (Kestrel) has already read and checked as
    /// HTTP/2: the upgrade's own checks have no place there (§5: "the Sec-WebSocket-Key and
    /// Sec-WebSocket-Accept header fields are not used", nor are Upgrade and Connection, which HTTP/2
    /// forbids), the rest are RFC 6455's, in the same order and with the same errors.
    /// </summary>
    private static HandshakeError? ValidateExtendedConnect(HttpRequestHead request)
    {
        // §4: "a new pseudo-header field :protocol" whose value is the upgrade token, websocket (§5).
        if (!string.Equals(request.Protocol, "websocket", StringComparison.OrdinalIgnoreCase))
            return new(ProtocolErrors.BadProtocolPseudoHeaderPrefix + request.Protocol, 400);
        if (request.Headers["Sec-WebSocket-Version"] != "13")
            return new(ProtocolErrors.BadVersionRequestHeader, 426);
        // §4: "The :method pseudo-header field MUST be CONNECT" (a server only sees :protocol on one).
        if (request.Method != "CONNECT")
            return new(ProtocolErrors.BadRequestMethod, 405);
        // §4: ":authority" carries the server's authority as Host does in HTTP/1.1 (the server maps it to Host).
        if (request.Headers.CountOf("Host") != 1)
            return new(ProtocolErrors.MissingHostRequestHeader, 400);
        return null;
    }

    /// <summary>
    /// The response that accepts <paramref name="request"/>: the 101 of RFC 6455 §4.2.2, or for an
    /// extended CONNECT a 200 (RFC 8441 §5: "a 2xx status code ... without Sec-WebSocket-Accept"),
    /// with the same subprotocol, extensions and extra headers.
    /// </summary>
    public static HandshakeResponse Accept(HttpRequestHead request, string? subprotocol = null, IEnumerable<KeyValuePair<string, string>>? extraHeaders = null,
        string? extensions = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.IsExtendedConnect)
            return Accept(request.Headers["Sec-WebSocket-Key"]!, subprotocol, extraHeaders, extensions);
        return new HandshakeResponse(request.Version, 200, "OK", Negotiated([], subprotocol, extraHeaders, extensions), ReadOnlyMemory<byte>.Empty);
    }

    /// <inheritdoc cref="Accept(HttpRequestHead, string?, IEnumerable{KeyValuePair{string, string}}?, string?)"/>
    /// <returns>The response as bytes.</returns>
    public static byte[] BuildResponse(HttpRequestHead request, string? subprotocol = null, IEnumerable<KeyValuePair<string, string>>? extraHeaders = null,
        string? extensions = null) => Accept(request, subprotocol, extraHeaders, extensions).ToBytes();

    /// <summary>
    /// Picks the subprotocol to confirm (D3). With <paramref name="selector"/>, it decides
    /// from the offered list; with <paramref name="supported"/>, the first offered protocol the server
    /// supports wins; with neither, the first offered token is echoed. Null: no Sec-WebSocket-Protocol
    /// header in the response.
    /// </summary>
    public static string? SelectSubprotocol(HttpHeaders headers, IReadOnlyList<string>? supported = null, Func<IReadOnlyList<string>, string?>? selector = null)
    {
        List<string> offered = headers.GetListElements("Sec-WebSocket-Protocol").ToList();
        if (offered.Count == 0)
            return null;
        if (selector is not null)
        {
            string? chosen = selector(offered);
            // RFC 6455 §4.2.2: the server selects "one or none of the acceptable protocols".
            return chosen is not null && offered.Contains(chosen, StringComparer.Ordinal) ? chosen : null;
        }
        if (supported is not null)
            return offered.FirstOrDefault(p => supported.Contains(p, StringComparer.Ordinal));
        return offered[0];
    }

    /// <summary>
    /// The 101 response: status line, <c>Upgrade: websocket</c>, <c>Connection: upgrade</c>,
    /// <c>Sec-WebSocket-Accept</c>, the subprotocol when one was selected, the accepted extensions
    /// when there are any, then the caller's extra headers (cs.t TEST 38). No Content-Type.
    /// </summary>
    public static HandshakeResponse Accept(string key, string? subprotocol = null, IEnumerable<KeyValuePair<string, string>>? extraHeaders = null,
        string? extensions = null)
    {
        List<KeyValuePair<string, string>> headers =
        [
            new("Upgrade", "websocket"),
            new("Connection", "upgrade"),
            new("Sec-WebSocket-Accept", HandshakeKeys.ComputeAccept(key)),
        ];
        return new HandshakeResponse("HTTP/1.1", 101, "Switching Protocols", Negotiated(headers, subprotocol, extraHeaders, extensions), ReadOnlyMemory<byte>.Empty);
    }

    /// <inheritdoc cref="Accept(string, string?, IEnumerable{KeyValuePair{string, string}}?, string?)"/>
    /// <returns>The response as bytes.</returns>
    public static byte[] BuildResponse(string key, string? subprotocol = null, IEnumerable<KeyValuePair<string, string>>? extraHeaders = null,
        string? extensions = null) => Accept(key, subprotocol, extraHeaders, extensions).ToBytes();

    /// <summary>What both kinds of acceptance carry after their own headers: the subprotocol, the
    /// extensions and the caller's extra headers.</summary>
    private static List<KeyValuePair<string, string>> Negotiated(List<KeyValuePair<string, string>> headers, string? subprotocol,
        IEnumerable<KeyValuePair<string, string>>? extraHeaders, string? extensions)
    {
        if (subprotocol is not null)
            headers.Add(new("Sec-WebSocket-Protocol", subprotocol));
        if (extensions is not null)
            headers.Add(new(ExtensionHeader.Name, extensions));
        foreach (var (name, value) in extraHeaders ?? [])
        {
            CheckHeaderField(name, value);
            headers.Add(new(name, value));
        }
        return headers;
    }

    /// <summary>
    /// The default answer to a failed handshake (D4): the status of <paramref name="error"/>
    /// with the error text as body; a 426 also says which version we speak. The connection is
    /// closed after it.
    /// </summary>
    public static HandshakeResponse Reject(HandshakeError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        string reason = error.StatusCode switch
        {
            400 => "Bad Request",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            405 => "Method Not Allowed",
            408 => "Request Timeout",
            426 => "Upgrade Required",
            431 => "Request Header Fields Too Large",
            500 => "Internal Server Error",
            503 => "Service Unavailable",
            _ => "Error",
        };
        byte[] body = Encoding.UTF8.GetBytes(error.Message);
        var headers = new List<KeyValuePair<string, string>>();
        if (error.StatusCode == 426)
            headers.Add(new("Sec-WebSocket-Version", "13"));
        // RFC 9110 §15.5.6: a 405 "MUST generate an Allow header field".
        if (error.StatusCode == 405)
            headers.Add(new("Allow", "GET"));
        // RFC 9110 §15.5.2: a 401 "MUST send a WWW-Authenticate header field"; RFC 6750 §3 names the scheme.
        if (error.StatusCode == 401)
            headers.Add(new("WWW-Authenticate", "Bearer"));
        headers.Add(new("Content-Type", "text/plain; charset=utf-8"));
        headers.Add(new("Content-Length", body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        headers.Add(new("Connection", "close"));
        return new HandshakeResponse("HTTP/1.1", error.StatusCode, reason, headers, body);
    }

    /// <inheritdoc cref="Reject(HandshakeError)"/>
    /// <returns>The response as bytes.</returns>
    public static byte[] BuildRejection(HandshakeError error) => Reject(error).ToBytes();

    /// <summary>Extra response headers come from application code: a name that is not a token or a
    /// value with CR/LF would let it forge the response, so it is a programming error.</summary>
    private static void CheckHeaderField(string name, string value)
    {
        if (!HttpHead.IsToken(name))
            throw new ArgumentException($"response header name is not an HTTP token: \"{name}\"", nameof(name));
        if (value.AsSpan().IndexOfAny('\r', '\n') >= 0)
            throw new ArgumentException($"response header \"{name}\" has CR or LF in its value", nameof(value));
    }
}
