using System.Collections.Concurrent;
using System.Net;
using Akka.Actor;
using Cosocket.Actors.Server;
using Cosocket.Protocol;
using Cosocket.Protocol.Framing;

namespace Cosocket.Actors.Tests.Server;

/// <summary>
/// A listener on 127.0.0.1 with one handler on <c>/s</c>, and the handler's log lines, which tests
/// await as the original's tests read nginx's error log.
/// </summary>
internal sealed class ServerHarness
{
    private readonly BlockingCollection<string> _log = [];
    private readonly TaskCompletionSource _handlerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ServerHarness(ActorSystem system, Func<WebSocketRequest, ServerHarness, Task> handler, ServerOptions? options = null, ServerTls? tls = null)
    {
        var routes = new WebSocketRoutes().Map("/s", async request =>
        {
            try
            {
                await handler(request, this);
            }
            finally
            {
                _handlerDone.TrySetResult();
            }
        });
        Binding = CosocketServer.Bind(system, new IPEndPoint(IPAddress.Loopback, 0), routes, options, tls);
    }

    public ServerBinding Binding { get; }

    public IPEndPoint EndPoint => Binding.EndPoint;

    public Task HandlerDone => _handlerDone.Task;

    public void Log(string line) => _log.Add(line);

    /// <summary>The next line the handler logged.</summary>
    public string NextLog()
    {
        Assert.True(_log.TryTake(out string? line, TimeSpan.FromSeconds(10)), "the handler logged nothing in 10 s");
        return line!;
    }

    /// <summary>The original's sanity.t handler: new, one recv_frame, log what came.</summary>
    public static async Task RecvOneFrame(WebSocketRequest request, ServerHarness harness, ServerOptions? options = null)
    {
        var (wb, err) = await WebSocketServer.NewAsync(request, options);
        if (wb is null)
        {
            harness.Log("failed to new websocket: " + err);
            return;
        }
        var frame = await wb.RecvFrameAsync();
        harness.Log(Describe(frame));
    }

    /// <summary>The line the original's handlers log for a recv_frame result.</summary>
    public static string Describe(RecvFrameResult frame) => frame.IsError
        ? "failed to receive a frame: " + frame.Err
        : $"{frame.Type} msg received: {frame.Text}: {(frame.Type == "close" ? frame.Code?.ToString() ?? "nil" : frame.Err ?? "nil")}";

    /// <summary>A masked client frame.</summary>
    public static byte[] ClientFrame(bool fin, Opcode opcode, byte[] payload) =>
        FrameEncoder.BuildFrame(fin, (int)opcode, payload.Length, payload, masking: true).Frame!;
}
