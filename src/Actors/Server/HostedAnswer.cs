using System.Text;
using Akka.IO;
using Cosocket.Actors.Pipeline;
using Cosocket.Actors.Transport;

namespace Cosocket.Actors.Server;

/// <summary>
/// A hosted connection's answer to its upgrade request: the response Cosocket's handshake built, as
/// bytes, handed to the host's HTTP server as a status, headers and body; on a 101, the stream the
/// host returns becomes the connection's transport.
/// </summary>
/// <param name="finished">Completed once this side has finished sending: the host then ends the request.</param>
internal sealed class HostedAnswer(IHttpUpgrade upgrade, TransportHandle transport, TaskCompletionSource finished) : HandshakeAnswer
{
    protected override async Task AcceptDecidedAsync(byte[] response)
    {
        var (_, headers, _) = Parse(response);
        // The host writes its own Connection: Upgrade with a 101 (an extended CONNECT's 200 has none).
        var stream = await upgrade.AcceptAsync([.. headers.Where(h => !h.Key.Equals("Connection", StringComparison.OrdinalIgnoreCase))]).ConfigureAwait(false);
        transport.Attach(stream, () => finished.TrySetResult(), ByteString.Empty);
    }

    protected override Task RejectDecidedAsync(byte[] response) => Reject(upgrade, response);

    /// <summary>Refuses <paramref name="upgrade"/> with <paramref name="error"/> before any connection exists (the listener is full or draining).</summary>
    public static Task RefuseAsync(IHttpUpgrade upgrade, Cosocket.Protocol.Handshake.HandshakeError error)
    {
        CosocketTelemetry.CountHandshake(error.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return Reject(upgrade, Cosocket.Protocol.Handshake.ServerHandshake.BuildRejection(error));
    }

    private static Task Reject(IHttpUpgrade upgrade, byte[] response)
    {
        var (status, headers, body) = Parse(response);
        // The host frames the body; Connection: close stays, so that the refused connection closes
        // after its answer, as on Cosocket's own listener.
        return upgrade.RejectAsync(status, [.. headers.Where(h => h.Key is not "Content-Length")], body);
    }

    /// <summary>A response as <see cref="Cosocket.Protocol.Handshake.ServerHandshake"/> builds it: status line, header lines, blank line, body.</summary>
    private static (int Status, List<KeyValuePair<string, string>> Headers, ReadOnlyMemory<byte> Body) Parse(byte[] response)
    {
        int end = response.AsSpan().IndexOf("\r\n\r\n"u8);
        string[] lines = Encoding.Latin1.GetString(response, 0, end).Split("\r\n");
        // "HTTP/1.1 101 Switching Protocols", or "HTTP/2 200 OK" for an extended CONNECT.
        int status = int.Parse(lines[0].AsSpan(lines[0].IndexOf(' ') + 1, 3), System.Globalization.CultureInfo.InvariantCulture);
        var headers = lines.Skip(1).Select(line => line.Split(": ", 2)).Select(p => new KeyValuePair<string, string>(p[0], p[1])).ToList();
        return (status, headers, response.AsMemory(end + 4));
    }
}
