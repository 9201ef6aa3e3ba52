using System.Net.WebSockets;

// The peer for the load benchmark: a minimal Kestrel WebSocket echo with /echo's semantics (each
// whole message echoed as one message of its type; close answered with the same code).
// Usage: KestrelEcho --urls http://127.0.0.1:PORT [--compression on]
// With --compression on, permessage-deflate is accepted (DangerousEnableCompression).
var builder = WebApplication.CreateSlimBuilder(args);
bool compression = builder.Configuration["compression"] == "on";
builder.Logging.ClearProviders();
var app = builder.Build();
app.UseWebSockets();
app.Map("/echo", async context =>
{
    if (!context.WebSockets.IsWebSocketRequest)
    {
        context.Response.StatusCode = 400;
        return;
    }
    using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { DangerousEnableCompression = compression });
    var buffer = new byte[64 * 1024];
    var message = new MemoryStream();
    while (true)
    {
        var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
        if (result.MessageType == WebSocketMessageType.Close)
        {
            await socket.CloseAsync(result.CloseStatus ?? WebSocketCloseStatus.NormalClosure, result.CloseStatusDescription, CancellationToken.None);
            return;
        }
        if (result.EndOfMessage && message.Length == 0)
        {
            await socket.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, true, CancellationToken.None);
            continue;
        }
        message.Write(buffer, 0, result.Count);
        if (result.EndOfMessage)
        {
            await socket.SendAsync(message.GetBuffer().AsMemory(0, (int)message.Length), result.MessageType, true, CancellationToken.None);
            message.SetLength(0);
        }
    }
});
app.Run();
