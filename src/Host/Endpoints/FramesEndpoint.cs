using Cosocket.Actors.Connections;
using Cosocket.Actors.Server;
using Cosocket.Protocol;

namespace Cosocket.Host.Endpoints;

/// <summary>
/// <c>/frames</c>: the seed's overview loop at frame level. Every data frame is sent back as it came
/// (same opcode, same FIN: fragments stay fragments); a ping is answered with a pong; a pong is
/// dropped; a close is answered with <c>send_close(1000, "enough, enough!")</c>; timeouts are not fatal.
/// </summary>
public static class FramesEndpoint
{
    /// <param name="options">The server's options, without compression: the frames go back as they came.</param>
    public static WebSocketHandler Handler(ServerOptions options)
    {
        var framesOptions = options with { Compression = null };
        return request => RunAsync(request, framesOptions);
    }

    private static async Task RunAsync(WebSocketRequest request, ServerOptions options)
    {
        var (wb, _) = await WebSocketServer.NewAsync(request, options);
        if (wb is null)
            return;
        while (true)
        {
            var frame = await wb.RecvFrameAsync();
            if (frame.IsError)
            {
                if (frame.Kind != ErrorKind.Timeout)
                    return;
                continue;
            }
            SendResult sent = frame.Type switch
            {
                "close" => await wb.SendCloseAsync(1000, "enough, enough!"),
                "ping" => await wb.SendPongAsync(frame.Data),
                "pong" => new SendResult(0, null),
                _ => await wb.SendFrameAsync(frame.Err != RecvFrameResult.Again, OpcodeOf(frame.Type!), frame.Data),
            };
            if (frame.Type == "close" || sent.Err is not null)
                return;
        }
    }

    private static int OpcodeOf(string type) => type switch
    {
        "continuation" => 0x0,
        "text" => 0x1,
        _ => 0x2,
    };
}
