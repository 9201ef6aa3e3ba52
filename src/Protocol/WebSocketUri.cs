using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Cosocket.Protocol;

/// <summary>
/// A <c>ws://</c> or <c>wss://</c> URI (RFC 6455 §3) as the client connects to it (docs/compatibility.md §3.3 steps
/// 2–5, with D8): schemes are case-insensitive, IPv6 literals work, a query without a path
/// requests <c>/?query</c>, and <c>ws://unix:/path/to.sock:/chat</c> selects a Unix domain socket.
/// </summary>
/// <param name="Host">The host to connect to: a name, an IPv4 address or an IPv6 address without
/// brackets; for a Unix socket, <c>unix:/path</c> as the original calls it.</param>
/// <param name="Port">443 for wss and 80 for ws unless given; 0 for a Unix socket.</param>
/// <param name="Path">The request target: never empty, always starting with '/'.</param>
/// <param name="UnixSocketPath">The socket's file path, or null for TCP.</param>
public sealed record WebSocketUri(bool IsSecure, string Host, int Port, string Path, string? UnixSocketPath)
{
    private const string UnixPrefix = "unix:";

    public string Scheme => IsSecure ? "wss" : "ws";

    public bool IsIPv6 => Host.Contains(':') && UnixSocketPath is null;

    /// <summary>
    /// The Host header when the <c>host</c> option is not given: <c>addr:port</c>, the port always
    /// included as in the original (<c>example.com:80</c>). A Unix socket has no host name; it sends
    /// <c>localhost</c>, which every HTTP server accepts.
    /// </summary>
    public string DefaultHostHeader =>
        UnixSocketPath is not null ? "localhost"
        : IsIPv6 ? $"[{Host}]:{Port}"
        : $"{Host}:{Port}";

    /// <summary>The default pool name: <c>host:port</c> (an IPv6 host in brackets, so the port
    /// stays unambiguous), or the socket path for a Unix socket.</summary>
    public string DefaultPoolKey => UnixSocketPath ?? DefaultHostHeader;

    public override string ToString() =>
        UnixSocketPath is not null ? $"{Scheme}://{Host}:{Path}" : $"{Scheme}://{DefaultHostHeader}{Path}";

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> is the seed's "bad websocket uri".</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out WebSocketUri? uri, [NotNullWhen(false)] out string? error)
    {
        uri = Parse(text);
        error = uri is null ? ProtocolErrors.BadWebSocketUri : null;
        return uri is not null;
    }

    private static WebSocketUri? Parse(string? text)
    {
        if (text is null)
            return null;
        bool secure;
        string rest;
        if (text.StartsWith("ws://", StringComparison.OrdinalIgnoreCase))
            (secure, rest) = (false, text[5..]);
        else if (text.StartsWith("wss://", StringComparison.OrdinalIgnoreCase))
            (secure, rest) = (true, text[6..]);
        else
            return null;

        // RFC 6455 §3: "Fragment identifiers are meaningless in the context of WebSocket URIs and
        // MUST NOT be used on these URIs." Whitespace and controls would break the request line.
        if (rest.AsSpan().IndexOfAny('#', ' ') >= 0 || rest.Any(char.IsControl))
            return null;

        if (rest.StartsWith(UnixPrefix, StringComparison.Ordinal))
            return ParseUnix(secure, rest);

        int authorityEnd = rest.AsSpan().IndexOfAny('/', '?');
        string authority = authorityEnd < 0 ? rest : rest[..authorityEnd];
        string? path = NormalizePath(authorityEnd < 0 ? "" : rest[authorityEnd..]);
        if (path is null)
            return null;

        string host;
        string portText;
        if (authority.StartsWith('['))
        {
            int close = authority.IndexOf(']');
            if (close < 0)
                return null;
            host = authority[1..close];
            if (!IPAddress.TryParse(host, out var address) || address.AddressFamily != AddressFamily.InterNetworkV6)
                return null;
            string after = authority[(close + 1)..];
            if (after.Length > 0 && after[0] != ':')
                return null;
            portText = after.Length > 0 ? after[1..] : "";
        }
        else
        {
            int colon = authority.IndexOf(':');
            host = colon < 0 ? authority : authority[..colon];
            portText = colon < 0 ? "" : authority[(colon + 1)..];
            if (host.Length == 0 || !host.All(IsRegNameChar))
                return null;
        }

        // RFC 3986 §3.2.3: an empty port means the scheme's default.
        int port = secure ? 443 : 80;
        if (portText.Length > 0)
        {
            if (portText.Length > 5 || !portText.All(char.IsAsciiDigit)
                || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port)
                || port is < 1 or > 65535)
                return null;
        }
        return new WebSocketUri(secure, host, port, path, null);
    }

    /// <summary>
    /// <c>unix:/path/to.sock:/chat</c>: the socket path runs to the next ':' and cannot contain one,
    /// as in the original; without a second ':' the request target is '/'.
    /// </summary>
    private static WebSocketUri? ParseUnix(bool secure, string rest)
    {
        int colon = rest.IndexOf(':', UnixPrefix.Length);
        string socketPath = colon < 0 ? rest[UnixPrefix.Length..] : rest[UnixPrefix.Length..colon];
        string? path = NormalizePath(colon < 0 ? "" : rest[(colon + 1)..]);
        if (socketPath.Length == 0 || path is null)
            return null;
        return new WebSocketUri(secure, UnixPrefix + socketPath, 0, path, socketPath);
    }

    /// <summary>An empty path becomes '/', and a query without a path '/?query' (D8).</summary>
    private static string? NormalizePath(string path) => path switch
    {
        "" => "/",
        _ when path[0] == '?' => "/" + path,
        _ when path[0] == '/' => path,
        _ => null,
    };

    /// <summary>RFC 3986 reg-name characters (unreserved, pct-encoded, sub-delims) less the ones no
    /// resolver takes; '@' is absent, so userinfo is refused.</summary>
    private static bool IsRegNameChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' or '%';
}
