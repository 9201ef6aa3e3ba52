using System.Text;

namespace Cosocket.Protocol.Handshake;

/// <summary>A request head: request line and header fields.</summary>
/// <param name="Target">The request target as sent (path and query).</param>
/// <param name="Version">The version token, e.g. <c>HTTP/1.1</c>.</param>
/// <param name="Protocol">The <c>:protocol</c> pseudo-header of an extended CONNECT (RFC 8441 §4, WebSockets
/// over HTTP/2), as an HTTP/2 server read it; null for an HTTP/1.1 request. Cosocket's own listener
/// speaks only HTTP/1.1 and never sets it.</param>
public sealed record HttpRequestHead(string Method, string Target, string Version, HttpHeaders Headers, string? Protocol = null)
{
    /// <summary>An RFC 8441 extended CONNECT: the WebSocket runs on one HTTP/2 stream, opened by a 200.</summary>
    public bool IsExtendedConnect => Protocol is not null;
}

/// <summary>Finding and splitting HTTP/1.1 heads in a byte stream.</summary>
public static class HttpHead
{
    /// <summary>The blank line that ends a head.</summary>
    public static ReadOnlySpan<byte> Terminator => "\r\n\r\n"u8;

    /// <summary>The default of <c>max_header_len</c> (D2, D4).</summary>
    public const int DefaultMaxHeaderLength = 16384;

    /// <summary>
    /// Finds the end of a head in <paramref name="buffer"/>. Returns the length of the head without
    /// the final CRLFCRLF, or -1 when it is not complete yet. <paramref name="tooLarge"/> is set once
    /// the head is, or must become, longer than <paramref name="maxHeaderLength"/>.
    /// </summary>
    public static int FindEnd(ReadOnlySpan<byte> buffer, int maxHeaderLength, out bool tooLarge)
    {
        int end = buffer.IndexOf(Terminator);
        if (end >= 0)
        {
            tooLarge = end > maxHeaderLength;
            return end;
        }
        // Without a terminator, everything but a possible partial one is already head.
        tooLarge = buffer.Length - (Terminator.Length - 1) > maxHeaderLength;
        return -1;
    }

    /// <summary>
    /// Parses a request head (without its final CRLFCRLF). Returns null with
    /// <paramref name="error"/> set when it is not HTTP/1.x syntax.
    /// </summary>
    public static HttpRequestHead? ParseRequest(ReadOnlySpan<byte> head, out string? error)
    {
        string text = Encoding.Latin1.GetString(head);
        int lineEnd = text.IndexOf("\r\n", StringComparison.Ordinal);
        string requestLine = lineEnd < 0 ? text : text[..lineEnd];
        // RFC 9112 §3: request-line = method SP request-target SP HTTP-version
        string[] parts = requestLine.Split(' ');
        if (parts.Length != 3 || parts[0].Length == 0 || parts[1].Length == 0 || !IsToken(parts[0]))
        {
            error = ProtocolErrors.MalformedRequestLine;
            return null;
        }
        var fields = ParseFields(lineEnd < 0 ? "" : text[(lineEnd + 2)..], out error);
        if (fields is null)
            return null;
        return new HttpRequestHead(parts[0], parts[1], parts[2], new HttpHeaders(fields));
    }

    /// <summary>
    /// Splits the status line from the header fields of a response head. Returns null fields when a
    /// header line is malformed.
    /// </summary>
    public static (string StatusLine, HttpHeaders? Headers) ParseResponse(string head)
    {
        int lineEnd = head.IndexOf("\r\n", StringComparison.Ordinal);
        string statusLine = lineEnd < 0 ? head : head[..lineEnd];
        var fields = ParseFields(lineEnd < 0 ? "" : head[(lineEnd + 2)..], out _);
        return (statusLine, fields is null ? null : new HttpHeaders(fields));
    }

    private static List<KeyValuePair<string, string>>? ParseFields(string block, out string? error)
    {
        var fields = new List<KeyValuePair<string, string>>();
        error = null;
        if (block.Length == 0)
            return fields;
        foreach (string line in block.Split("\r\n"))
        {
            // RFC 9112 §5.1: "No whitespace is allowed between the field name and colon";
            // §5.2: obsolete line folding is rejected.
            int colon = line.IndexOf(':');
            if (colon <= 0 || !IsToken(line.AsSpan(0, colon)))
            {
                error = ProtocolErrors.MalformedRequestHeader;
                return null;
            }
            fields.Add(new(line[..colon], line[(colon + 1)..].Trim(' ', '\t')));
        }
        return fields;
    }

    /// <summary>RFC 9110 §5.6.2 token characters.</summary>
    internal static bool IsToken(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
            return false;
        foreach (char c in value)
        {
            bool ok = c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9'
                || "!#$%&'*+-.^_`|~".Contains(c);
            if (!ok)
                return false;
        }
        return true;
    }
}
