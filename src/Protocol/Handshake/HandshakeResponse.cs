using System.Text;

namespace Cosocket.Protocol.Handshake;

/// <summary>
/// A server's answer to an upgrade request, as fields: Cosocket's own listener writes it as bytes
/// (<see cref="ToBytes"/>), an HTTP server that read the request (Kestrel) writes the status,
/// headers and body in its own framing.
/// </summary>
/// <param name="Version">The status line's version: <c>HTTP/1.1</c>, or an extended CONNECT's (<c>HTTP/2</c>).</param>
/// <param name="Headers">The header fields, in order.</param>
public sealed record HandshakeResponse(string Version, int StatusCode, string Reason, IReadOnlyList<KeyValuePair<string, string>> Headers,
    ReadOnlyMemory<byte> Body)
{
    /// <summary>Status line, header lines, blank line, body.</summary>
    public byte[] ToBytes()
    {
        var head = new StringBuilder(256).Append(Version).Append(' ').Append(StatusCode).Append(' ').Append(Reason).Append("\r\n");
        foreach (var (name, value) in Headers)
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        head.Append("\r\n");
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(head.ToString()) + Body.Length];
        int written = Encoding.UTF8.GetBytes(head.ToString(), bytes);
        Body.Span.CopyTo(bytes.AsSpan(written));
        return bytes;
    }
}
