using BenchmarkDotNet.Attributes;
using Cosocket.Bench.Shared;
using Cosocket.Protocol;
using Cosocket.Protocol.Connection;
using Cosocket.Protocol.Deflate;

namespace Cosocket.Bench;

/// <summary>
/// permessage-deflate's cost per message on the server, at the host's defaults (no context takeover,
/// level 6, memory level 8): sending a message compressed (a pooled deflater, the frame), and
/// receiving a client's compressed message (a pooled inflater, the checks, the message), for chat
/// JSON of 200 B and a 16 KiB JSON document; and the same without compression, for the difference.
/// </summary>
[MemoryDiagnoser]
public class DeflateBenchmarks
{
    [Params(200, 16384)]
    public int Size { get; set; }

    private byte[] _message = [];
    private WebSocketProtocol _server = null!;
    private WebSocketProtocol _plainServer = null!;
    private byte[] _compressedFrame = [];
    private byte[] _plainFrame = [];

    [GlobalSetup]
    public void Setup()
    {
        _message = SampleText.Json(Size);
        var agreed = new DeflateParameters(ServerNoContextTakeover: true, ClientNoContextTakeover: true);
        var deflate = new DeflateSettings(agreed, Level: 6, MemoryLevel: 8, Threshold: 64, new CompressionContexts());
        _server = New(Role.Server, deflate);
        _plainServer = New(Role.Server, null);
        _compressedFrame = Sent(New(Role.Client, deflate));
        _plainFrame = Sent(New(Role.Client, null));
        Console.WriteLine($"// {Size} B of JSON: {_compressedFrame.Length} B compressed on the wire, {_plainFrame.Length} B plain");
    }

    private static WebSocketProtocol New(Role role, DeflateSettings? deflate)
    {
        var protocol = new WebSocketProtocol(new ProtocolSettings(role, 1 << 20, 1 << 20, ValidateUtf8: true, MaskSends: role == Role.Client,
            TimeSpan.FromSeconds(5), null, TimeSpan.FromSeconds(10), deflate));
        protocol.Open();
        protocol.UseMode(ReceiveMode.Messages);
        return protocol;
    }

    private byte[] Sent(WebSocketProtocol client)
    {
        client.SendMessage(Opcode.Text, _message, int.MaxValue);
        var bytes = new List<byte>();
        while (client.TryTakeOutgoing(out var data))
            bytes.AddRange(data.Bytes.ToArray());
        return [.. bytes];
    }

    [Benchmark(Description = "send, compressed")]
    public int SendCompressed() => Send(_server);

    [Benchmark(Baseline = true, Description = "send, plain")]
    public int SendPlain() => Send(_plainServer);

    [Benchmark(Description = "receive, compressed")]
    public int ReceiveCompressed() => Receive(_server, _compressedFrame);

    [Benchmark(Description = "receive, plain")]
    public int ReceivePlain() => Receive(_plainServer, _plainFrame);

    private int Send(WebSocketProtocol server)
    {
        server.SendMessage(Opcode.Text, _message, int.MaxValue);
        int length = 0;
        while (server.TryTakeOutgoing(out var data))
            length += data.Bytes.Length;
        return length;
    }

    private static int Receive(WebSocketProtocol server, byte[] frame)
    {
        server.ReceiveData(frame);
        server.TryTakeEvent(out var message);
        return message.Payload!.Length;
    }
}
