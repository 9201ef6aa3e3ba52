using System.Text;
using Cosocket.Protocol;
using Cosocket.Protocol.Connection;
using Cosocket.Protocol.Deflate;
using Cosocket.Protocol.Framing;
using Cosocket.Protocol.Handshake;
using Cosocket.Protocol.Messages;
using SharpFuzz;

// One target per run, named by the first argument. Every target takes any bytes: whatever the
// input, the code under test returns its result or its error; an exception that escapes is a crash.
Action<ReadOnlySpan<byte>> target = args.FirstOrDefault() switch
{
    "frames" => Targets.Frames,
    "protocol" => Targets.Protocol,
    "request" => Targets.Request,
    "response" => Targets.Response,
    "uri" => Targets.Uri,
    _ => throw new ArgumentException("usage: Cosocket.Fuzz frames|protocol|request|response|uri"),
};
Fuzzer.OutOfProcess.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    target(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
});

internal static class Targets
{
    /// <summary>The frame decoder with the message validator, as the server runs it, fed in chunks
    /// whose sizes the input's first byte picks, so splits inside headers and payloads are covered.</summary>
    public static void Frames(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
            return;
        int chunk = 1 + input[0] % 17;
        input = input[1..];
        var decoder = new FrameDecoder(new FrameDecoderOptions(65535, ForceMasking: true), new MessageValidator(1 << 20));
        while (!input.IsEmpty)
        {
            var piece = input[..Math.Min(chunk, input.Length)];
            input = input[piece.Length..];
            while (true)
            {
                var result = decoder.Decode(piece, out int consumed);
                piece = piece[consumed..];
                if (result.Status is DecodeStatus.NeedMoreData or DecodeStatus.Error)
                    break;
            }
            if (decoder.IsFailed)
                return;
        }
        _ = decoder.DescribeReadFailure("closed");
    }

    /// <summary>
    /// A whole connection's state machine: the first byte picks the role, the receive mode, what
    /// the application does (answer messages, fire deadlines, pick the mode late) and whether
    /// permessage-deflate was negotiated (and with context takeover), the second the chunk size; the
    /// rest is what the peer sends, then its end. Whatever arrives, the protocol must neither throw
    /// nor keep bytes it was asked to write, and it gives back every compression context it took.
    /// </summary>
    public static void Protocol(ReadOnlySpan<byte> input)
    {
        if (input.Length < 2)
            return;
        byte plan = input[0];
        int chunk = 1 + input[1] % 17;
        input = input[2..];
        var role = (plan & 1) == 0 ? Role.Server : Role.Client;
        var mode = (plan >> 1 & 3) switch { 0 => ReceiveMode.Undecided, 1 => ReceiveMode.Frames, _ => ReceiveMode.Messages };
        var contexts = new CompressionContexts();
        bool takeover = (plan & 128) != 0;
        var deflate = (plan & 64) == 0 ? null
            : new DeflateSettings(new DeflateParameters(!takeover, !takeover, 15, 15), Level: 1, MemoryLevel: 8, Threshold: 0, contexts);
        var protocol = new WebSocketProtocol(new ProtocolSettings(role, 65535, 1 << 20, ValidateUtf8: true, MaskSends: role == Role.Client,
            TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), deflate));
        protocol.Open();
        if (mode != ReceiveMode.Undecided)
            protocol.UseMode(mode);
        for (int step = 0; !input.IsEmpty; step++)
        {
            var piece = input[..Math.Min(chunk, input.Length)];
            input = input[piece.Length..];
            protocol.ReceiveData(piece);
            Application(protocol, plan, step);
            if (mode == ReceiveMode.Undecided && step == 3)
                protocol.UseMode((plan & 32) == 0 ? ReceiveMode.Messages : ReceiveMode.Frames);
        }
        protocol.ReceiveEof("closed");
        Application(protocol, plan, -1);
        protocol.Finish();
        Application(protocol, plan, -1);
        if (protocol.BufferedBytes != 0)
            throw new InvalidOperationException($"{protocol.BufferedBytes} bytes left after everything was taken");
        protocol.Dispose();
        contexts.Trim();
        if (contexts.LiveDeflaters != 0 || contexts.LiveInflaters != 0)
            throw new InvalidOperationException($"{contexts.LiveDeflaters} deflaters and {contexts.LiveInflaters} inflaters left after the end");
    }

    /// <summary>Takes every event (answering messages and acknowledging closes when the plan says so),
    /// every byte to write and every timer; fires a deadline now and then.</summary>
    private static void Application(WebSocketProtocol protocol, byte plan, int step)
    {
        while (protocol.TryTakeEvent(out var e))
        {
            if (e.Kind is ProtocolEventKind.Close or ProtocolEventKind.Error)
                protocol.Acknowledge();
            else if (e.Kind == ProtocolEventKind.Message && (plan & 8) != 0)
                protocol.SendMessage(e.Opcode, e.Payload, fragmentSize: 100);
            else if (e.Kind == ProtocolEventKind.Frame && (plan & 8) != 0 && e.Frame.Opcode == Opcode.Ping)
                protocol.SendFrame(true, (int)Opcode.Pong, e.Frame.Payload);
        }
        while (protocol.TryTakeOutgoing(out _))
        {
        }
        while (protocol.TryTakeTimer(out _))
        {
        }
        if ((plan & 16) != 0 && step % 5 == 4)
            protocol.DeadlinePassed((ProtocolTimer)(step / 5 % 3));
    }

    /// <summary>The server's handshake: read a request head, validate it, answer it.</summary>
    public static void Request(ReadOnlySpan<byte> input)
    {
        var read = ServerHandshake.TryReadRequest(input, maxHeaderLength: 4096);
        if (read.Request is not { } request)
            return;
        if (ServerHandshake.Validate(request) is { } error)
        {
            _ = ServerHandshake.BuildRejection(error);
            return;
        }
        _ = ServerHandshake.SelectSubprotocol(request.Headers);
        _ = DeflateNegotiation.Accept(request.Headers, new DeflateParameters(), out _);
        _ = ServerHandshake.BuildResponse(request.Headers["Sec-WebSocket-Key"]!, null);
    }

    /// <summary>The client's handshake: read a server's response to a request with a known key.</summary>
    public static void Response(ReadOnlySpan<byte> input) =>
        _ = ClientHandshake.TryReadResponse(input, "dGhlIHNhbXBsZSBub25jZQ==", "chat, superchat", maxHeaderLength: 4096, offeredDeflate: new DeflateParameters());

    /// <summary>The client's URI parser, on the input as UTF-8 text.</summary>
    public static void Uri(ReadOnlySpan<byte> input) =>
        _ = WebSocketUri.TryParse(Encoding.UTF8.GetString(input), out _, out _);
}
