using Cosocket.Actors.Server;
using Cosocket.Protocol;

namespace Cosocket.Host.Endpoints;

/// <summary>
/// <c>/echo</c>: every data message comes back as one frame of its type (a fragmented message is
/// echoed whole), a ping is answered with a pong of the same payload, and a close with a close of
/// the same code. Built on the seed's frame API.
/// </summary>
public static class EchoEndpoint
{
    public static WebSocketHandler Handler(ServerOptions options) => request => RunAsync(request, options);

    private static async Task RunAsync(WebSocketRequest request, ServerOptions options)
    {
        var (wb, _) = await WebSocketServer.NewAsync(request, options);
        if (wb is null)
            return;
        var message = new MessageBuffer(options.EffectiveMaxRecvLen);
        while (true)
        {
            var frame = await wb.RecvFrameAsync();
            if (frame.IsError)
            {
                if (wb.Fatal)
                    return;
                continue; // a timeout: keep waiting
            }
            switch (frame.Type)
            {
                case "text" or "binary" or "continuation":
                    if (!message.Add(frame))
                    {
                        await wb.SendCloseAsync(CloseStatus.MessageTooBig, "message too big");
                        return;
                    }
                    if (message.Complete is { } whole && (await wb.SendFrameAsync(true, (int)whole.Opcode, whole.Payload)).Err is not null)
                        return;
                    break;
                case "ping":
                    await wb.SendPongAsync(frame.Data);
                    break;
                case "close":
                    await wb.SendCloseAsync(frame.Code, frame.Text);
                    return;
            }
        }
    }

    /// <summary>Gathers the fragments of one message.</summary>
    private sealed class MessageBuffer(long maxLength)
    {
        private readonly List<byte[]> _fragments = [];
        private Opcode _opcode;
        private long _length;

        public (Opcode Opcode, byte[] Payload)? Complete { get; private set; }

        /// <returns>False when the message grows over the limit.</returns>
        public bool Add(RecvFrameResult frame)
        {
            Complete = null;
            if (frame.Type != "continuation")
            {
                _fragments.Clear();
                _length = 0;
                _opcode = frame.Type == "text" ? Opcode.Text : Opcode.Binary;
            }
            _length += frame.Data!.Length;
            if (_length > maxLength)
                return false;
            _fragments.Add(frame.Data);
            if (frame.Err != RecvFrameResult.Again)
            {
                Complete = (_opcode, _fragments.Count == 1 ? _fragments[0] : [.. _fragments.SelectMany(f => f)]);
                _fragments.Clear();
                _length = 0;
            }
            return true;
        }
    }
}
