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
                    if (message.Add(frame) is { } refusal)
                    {
                        await wb.SendCloseAsync(refusal.Code, refusal.Reason);
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
        private Opcode? _opcode; // set while a fragmented message is in progress
        private long _length;

        public (Opcode Opcode, byte[] Payload)? Complete { get; private set; }

        /// <returns>Why the connection must close, or null.</returns>
        public (ushort Code, string Reason)? Add(RecvFrameResult frame)
        {
            Complete = null;
            bool continuation = frame.Type == "continuation";
            // RFC 6455 §5.4: fragments of one message are not interleaved with another message's
            // data frames, and a continuation belongs to a message that has started.
            if (continuation && _opcode is null)
                return (CloseStatus.ProtocolError, "continuation frame without a message to continue");
            if (!continuation && _opcode is not null)
                return (CloseStatus.ProtocolError, "new data frame inside a fragmented message");
            Opcode opcode = _opcode ?? (frame.Type == "text" ? Opcode.Text : Opcode.Binary);
            _length += frame.Data!.Length;
            if (_length > maxLength)
                return (CloseStatus.MessageTooBig, "message too big");
            _fragments.Add(frame.Data);
            if (frame.Err == RecvFrameResult.Again)
            {
                _opcode = opcode;
                return null;
            }
            Complete = (opcode, _fragments.Count == 1 ? _fragments[0] : [.. _fragments.SelectMany(f => f)]);
            _fragments.Clear();
            _length = 0;
            _opcode = null;
            return null;
        }
    }
}
