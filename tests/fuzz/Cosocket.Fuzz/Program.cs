using System.Text;
using Cosocket.Protocol;
using Cosocket.Protocol.Framing;
using Cosocket.Protocol.Handshake;
using Cosocket.Protocol.Messages;
using SharpFuzz;

// One target per run, named by the first argument. Every target takes any bytes: whatever the
// input, the code under test returns its result or its error; an exception that escapes is a crash.
Action<ReadOnlySpan<byte>> target = args.FirstOrDefault() switch
{
    "frames" => Targets.Frames,
    "request" => Targets.Request,
    "response" => Targets.Response,
    "uri" => Targets.Uri,
    _ => throw new ArgumentException("usage: Cosocket.Fuzz frames|request|response|uri"),
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
        _ = ServerHandshake.BuildResponse(request.Headers["Sec-WebSocket-Key"]!, null);
    }

    /// <summary>The client's handshake: read a server's response to a request with a known key.</summary>
    public static void Response(ReadOnlySpan<byte> input) =>
        _ = ClientHandshake.TryReadResponse(input, "dGhlIHNhbXBsZSBub25jZQ==", "chat, superchat", maxHeaderLength: 4096);

    /// <summary>The client's URI parser, on the input as UTF-8 text.</summary>
    public static void Uri(ReadOnlySpan<byte> input) =>
        _ = WebSocketUri.TryParse(Encoding.UTF8.GetString(input), out _, out _);
}
