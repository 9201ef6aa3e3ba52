using Akka.IO;
using Cosocket.Actors.Pipeline;
using Cosocket.Actors.Transport;
using Cosocket.Protocol.Handshake;

namespace Cosocket.Actors.Server;

/// <summary>
/// A hosted connection's answer to its upgrade request: the response Cosocket's handshake built,
/// handed to the host's HTTP server as a status, headers and body; on a 101 (or an extended
/// CONNECT's 200), the stream the host returns becomes the connection's transport.
/// </summary>
/// <param name="finished">Completed once this side has finished sending: the host then ends the request.</param>
internal sealed class HostedAnswer(IHttpUpgrade upgrade, TransportHandle transport, TaskCompletionSource finished) : HandshakeAnswer
{
    protected override async Task AcceptDecidedAsync(HandshakeResponse response)
    {
        // The host writes its own Connection: Upgrade with a 101 (an extended CONNECT's 200 has none).
        var stream = await upgrade.AcceptAsync([.. response.Headers.Where(h => !h.Key.Equals("Connection", StringComparison.OrdinalIgnoreCase))])
            .ConfigureAwait(false);
        transport.Attach(stream, () => finished.TrySetResult(), ByteString.Empty);
    }

    protected override Task RejectDecidedAsync(HandshakeResponse response) => Reject(upgrade, response);

    /// <summary>Refuses <paramref name="upgrade"/> with <paramref name="error"/> before any connection exists (the listener is full or draining).</summary>
    public static Task RefuseAsync(IHttpUpgrade upgrade, HandshakeError error) => Reject(upgrade, Refusal(error));

    /// <summary>The host frames the body; Connection: close stays, so that the refused connection
    /// closes after its answer, as on Cosocket's own listener.</summary>
    private static Task Reject(IHttpUpgrade upgrade, HandshakeResponse response) =>
        upgrade.RejectAsync(response.StatusCode, [.. response.Headers.Where(h => h.Key is not "Content-Length")], response.Body);
}
