using Cosocket.Actors.Server;

namespace Cosocket.Host.Endpoints;

/// <summary>
/// <c>/echo</c>: every message comes back whole, as one frame of its type. Built on the message
/// layer, so the connection is held to RFC 6455 strictly: fragments reassembled, pings answered,
/// invalid UTF-8 (1007), protocol errors (1002) and oversize messages (1009) fail the connection, and
/// a close is answered with the peer's code.
/// </summary>
public static class EchoEndpoint
{
    /// <param name="options">The server's options; <paramref name="maxMessageLen"/> replaces their frame and message limits.</param>
    public static WebSocketHandler Handler(ServerOptions options, long maxMessageLen)
    {
        var echoOptions = options with
        {
            MaxPayloadLen = maxMessageLen,
            MaxRecvLen = null,
            MaxSendLen = null,
            Messages = options.Messages with { MaxMessageLen = maxMessageLen, FragmentSize = (int)Math.Min(maxMessageLen, int.MaxValue) },
        };
        return request => RunAsync(request, echoOptions);
    }

    private static async Task RunAsync(WebSocketRequest request, ServerOptions options)
    {
        var (wb, _) = await WebSocketServer.NewAsync(request, options);
        if (wb is null)
            return;
        await foreach (var message in wb.ReadMessagesAsync())
        {
            if ((await wb.SendMessageAsync(message)).Err is not null)
                return;
        }
    }
}
