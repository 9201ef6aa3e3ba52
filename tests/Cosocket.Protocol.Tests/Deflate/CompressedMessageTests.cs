using Cosocket.Protocol.Connection;
using Cosocket.Protocol.Deflate;
using Cosocket.Protocol.Framing;

namespace Cosocket.Protocol.Tests.Deflate;

/// <summary>Compressed messages through the connection state machine, without sockets: a client and
/// a server protocol wired back to back, and hand-made frames for what a well-behaved peer never sends.</summary>
public class CompressedMessageTests
{
    private static readonly DeflateParameters NoTakeover = new(ServerNoContextTakeover: true, ClientNoContextTakeover: true);

    private static WebSocketProtocol New(Role role, DeflateParameters? agreed, CompressionContexts? contexts = null, long maxMessage = 1 << 20,
        int threshold = 0, long maxPayload = 1 << 20)
    {
        var deflate = agreed is null ? null : new DeflateSettings(agreed, Level: 6, MemoryLevel: 8, threshold, contexts ?? new CompressionContexts());
        var protocol = new WebSocketProtocol(new ProtocolSettings(role, maxPayload, maxMessage, ValidateUtf8: true, MaskSends: role == Role.Client,
            TimeSpan.FromSeconds(5), null, TimeSpan.FromSeconds(10), deflate));
        protocol.Open();
        protocol.UseMode(ReceiveMode.Messages);
        return protocol;
    }

    private static byte[] Drain(WebSocketProtocol protocol)
    {
        var bytes = new List<byte>();
        while (protocol.TryTakeOutgoing(out var data))
            bytes.AddRange(data.Bytes.ToArray());
        return [.. bytes];
    }

    private static List<ProtocolEvent> Events(WebSocketProtocol protocol)
    {
        var events = new List<ProtocolEvent>();
        while (protocol.TryTakeEvent(out var e))
            events.Add(e);
        return events;
    }

    private static byte[] Json(int length)
    {
        var text = new System.Text.StringBuilder();
        for (int i = 0; text.Length < length; i++)
            text.Append($"{{\"user\":\"u{i % 5}\",\"text\":\"hello {i}\"}}");
        return Wire.Utf8(text.ToString(0, length));
    }

    /// <summary>The first byte of each frame the bytes hold, with its payload length.</summary>
    private static List<(byte First, int Length)> Frames(byte[] bytes, bool masked)
    {
        var decoder = new FrameDecoder(new FrameDecoderOptions(long.MaxValue, ForceMasking: masked, AllowRsv1: true));
        var frames = new List<(byte, int)>();
        ReadOnlySpan<byte> input = bytes;
        while (!input.IsEmpty)
        {
            var result = decoder.Decode(input, out int consumed);
            input = input[consumed..];
            var f = result.Frame;
            frames.Add(((byte)((f.Fin ? 0x80 : 0) | (f.Compressed ? 0x40 : 0) | (int)f.Opcode), f.Payload.Length));
        }
        return frames;
    }

    public static TheoryData<bool, bool, int, int, int, int> Shapes()
    {
        var data = new TheoryData<bool, bool, int, int, int, int>();
        // Autobahn 12.x/13.x: messages of 16 B to 256 KiB, whole and in fragments, under each configuration.
        foreach (var (serverNoContext, clientNoContext, serverBits, clientBits) in new[] { (false, false, 15, 15), (true, true, 15, 15), (false, false, 9, 9), (true, false, 12, 10) })
        {
            foreach (int size in new[] { 16, 64, 256, 1024, 4096, 16384, 65536, 262144 })
            {
                foreach (int fragment in new[] { int.MaxValue, 256 })
                    data.Add(serverNoContext, clientNoContext, serverBits, clientBits, size, fragment);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SendMessage_EachConfigurationSizeAndFragmentation_ArrivesWhole(bool serverNoContext, bool clientNoContext, int serverBits, int clientBits, int size, int fragment)
    {
        var agreed = new DeflateParameters(serverNoContext, clientNoContext, serverBits, clientBits);
        var server = New(Role.Server, agreed);
        var client = New(Role.Client, agreed);
        byte[] message = Json(size);
        for (int round = 0; round < 3; round++) // later messages use (or not) the window of the earlier ones
        {
            Assert.Equal(SendStatus.Queued, server.SendMessage(Opcode.Text, message, fragment));
            byte[] wire = Drain(server);
            Assert.True(wire.Length < message.Length || size < 64, $"{wire.Length} on the wire for {size}");
            client.ReceiveData(wire);
            var received = Assert.Single(Events(client));
            Assert.Equal(ProtocolEventKind.Message, received.Kind);
            Assert.Equal(message, received.Payload);

            Assert.Equal(SendStatus.Queued, client.SendMessage(Opcode.Binary, message, fragment));
            server.ReceiveData(Drain(client));
            var back = Assert.Single(Events(server));
            Assert.Equal(Opcode.Binary, back.Opcode);
            Assert.Equal(message, back.Payload);
        }
    }

    [Fact]
    public void SendMessage_Compressed_SetsRsv1OnTheFirstFrameOnly()
    {
        var server = New(Role.Server, NoTakeover);
        server.SendMessage(Opcode.Text, Json(4000), fragmentSize: 100);
        var frames = Frames(Drain(server), masked: false);
        Assert.True(frames.Count > 1);
        Assert.Equal(0x41, frames[0].First);
        Assert.All(frames.Skip(1).SkipLast(1), f => Assert.Equal(0x00, f.First));
        Assert.Equal(0x80, frames[^1].First);
    }

    [Fact]
    public void SendMessage_BelowTheThreshold_GoesOutUncompressed()
    {
        var server = New(Role.Server, NoTakeover, threshold: 100);
        server.SendMessage(Opcode.Text, Json(99), int.MaxValue);
        Assert.Equal([(0x81, 99)], Frames(Drain(server), masked: false));
        server.SendMessage(Opcode.Text, Json(100), int.MaxValue);
        Assert.Equal(0xC1, Frames(Drain(server), masked: false)[0].First);
    }

    [Fact]
    public void SendMessage_BudgetSpent_GoesOutUncompressedAndReadsBackAlike()
    {
        var contexts = new CompressionContexts(maxContexts: 1);
        var held = contexts.RentDeflater(new DeflateKey(6, 15, 8)); // the one context the budget allows
        var server = New(Role.Server, new DeflateParameters(), contexts);
        var client = New(Role.Client, new DeflateParameters());
        byte[] message = Json(2000);
        server.SendMessage(Opcode.Text, message, int.MaxValue);
        byte[] wire = Drain(server);
        Assert.Equal(0x81, wire[0]);
        client.ReceiveData(wire);
        Assert.Equal(message, Assert.Single(Events(client)).Payload);

        held!.Dispose(); // room again: the next message is compressed
        server.SendMessage(Opcode.Text, message, int.MaxValue);
        wire = Drain(server);
        Assert.Equal(0xC1, wire[0]);
        client.ReceiveData(wire);
        Assert.Equal(message, Assert.Single(Events(client)).Payload);
    }

    [Fact]
    public void WindowOfEightBits_ThisSideSendsUncompressed_AndStillInflatesThePeers()
    {
        // zlib cannot deflate with an 8-bit window; RFC 7692 lets any message go uncompressed.
        var agreed = new DeflateParameters(ServerMaxWindowBits: 8, ClientMaxWindowBits: 8);
        var server = New(Role.Server, agreed);
        server.SendMessage(Opcode.Text, Json(2000), int.MaxValue);
        Assert.Equal(0x81, Drain(server)[0]);
        var client = New(Role.Client, agreed);
        client.SendMessage(Opcode.Text, Json(2000), int.MaxValue);
        server.ReceiveData(Drain(client));
        Assert.Equal(Json(2000), Assert.Single(Events(server)).Payload);
    }

    [Fact]
    public void ReceiveData_WithoutContextTakeover_HoldsNoContextBetweenMessages()
    {
        var contexts = new CompressionContexts();
        var server = New(Role.Server, NoTakeover, contexts);
        var client = New(Role.Client, NoTakeover, new CompressionContexts());
        client.SendMessage(Opcode.Text, Json(3000), 50);
        byte[] wire = Drain(client);
        server.ReceiveData(wire.AsSpan(0, wire.Length / 2));
        Assert.True(server.InMessage);
        Assert.Equal(1, contexts.LiveInflaters);
        server.ReceiveData(wire.AsSpan(wire.Length / 2));
        Assert.Single(Events(server));
        Assert.False(server.InMessage);
        contexts.Trim(); // the inflater went back to the pool: nothing of it is the connection's
        Assert.Equal(0, contexts.LiveInflaters);
        server.SendMessage(Opcode.Text, Json(3000), int.MaxValue);
        contexts.Trim();
        Assert.Equal(0, contexts.LiveDeflaters);
    }

    [Fact]
    public void ReceiveData_FragmentedCompressedMessagesBeyondTheInflaterBudget_Fail1013()
    {
        // Two connections start a fragmented compressed message and do not end it: the second finds
        // the budget of one inflater spent. Once the first ends its message, a new one has room.
        var contexts = new CompressionContexts(maxInflaters: 1);
        var client = New(Role.Client, NoTakeover, new CompressionContexts());
        client.SendMessage(Opcode.Text, Json(3000), 50);
        byte[] wire = Drain(client);
        var frames = Frames(wire, masked: true);
        int firstFrame = (frames[0].Length <= 125 ? 2 : 4) + 4 + frames[0].Length;

        var holding = New(Role.Server, NoTakeover, contexts);
        holding.ReceiveData(wire.AsSpan(0, firstFrame));
        Assert.True(holding.InMessage);
        var refused = New(Role.Server, NoTakeover, contexts);
        refused.ReceiveData(wire.AsSpan(0, firstFrame));
        var error = Assert.Single(Events(refused));
        Assert.Equal(CloseStatus.TryAgainLater, error.Code);
        Assert.Equal(Cosocket.Protocol.Messages.Violation.TooManyCompressedMessages, error.Error);

        holding.ReceiveData(wire.AsSpan(firstFrame));
        Assert.Equal(Json(3000), Assert.Single(Events(holding)).Payload);
        var later = New(Role.Server, NoTakeover, contexts);
        later.ReceiveData(wire);
        Assert.Equal(Json(3000), Assert.Single(Events(later)).Payload);
    }

    [Fact]
    public void Dispose_WithContextTakeover_GivesTheConnectionsContextsBack()
    {
        var contexts = new CompressionContexts();
        var server = New(Role.Server, new DeflateParameters(), contexts);
        var client = New(Role.Client, new DeflateParameters());
        server.SendMessage(Opcode.Text, Json(3000), int.MaxValue);
        client.SendMessage(Opcode.Text, Json(3000), int.MaxValue);
        server.ReceiveData(Drain(client));
        Assert.Equal(1, contexts.LiveDeflaters);
        Assert.Equal(1, contexts.LiveInflaters);
        server.Dispose();
        Assert.Equal(0, contexts.LiveDeflaters);
        Assert.Equal(0, contexts.LiveInflaters);
    }

    [Fact]
    public void ReceiveData_Bomb_FailsWith1009AfterAboutTheLimit()
    {
        // 1 GiB of zeros would deflate to about 1 MiB; a few KiB of it are enough to cross a 64 KiB limit.
        const long limit = 64 * 1024;
        var contexts = new CompressionContexts();
        using var deflater = new Deflater(contexts, new DeflateKey(9, 15, 9));
        byte[] bomb = deflater.Compress(new byte[1 << 20], keepContext: false)!;
        Assert.True(bomb.Length < 2048, $"bomb of {bomb.Length} bytes");
        var server = New(Role.Server, NoTakeover, maxMessage: limit);
        server.ReceiveData(Wire.Frame(true, 2, bomb, rsv: 4));
        var error = Assert.Single(Events(server));
        Assert.Equal(ProtocolEventKind.Error, error.Kind);
        Assert.Equal(CloseStatus.MessageTooBig, error.Code);
        Assert.Equal("message too big", error.Error);
        server.Acknowledge();
        var close = Frames(Drain(server), masked: false);
        Assert.Equal(0x88, close[^1].First);
    }

    [Fact]
    public void ReceiveData_BombAcrossFrames_CountsEveryFramesOutput()
    {
        var contexts = new CompressionContexts();
        using var deflater = new Deflater(contexts, new DeflateKey(9, 15, 9));
        byte[] bomb = deflater.Compress(new byte[200_000], keepContext: false)!;
        var server = New(Role.Server, NoTakeover, maxMessage: 100_000);
        int half = bomb.Length / 2;
        server.ReceiveData([.. Wire.Frame(false, 2, bomb[..half], rsv: 4), .. Wire.Frame(true, 0, bomb[half..])]);
        Assert.Equal(CloseStatus.MessageTooBig, Assert.Single(Events(server)).Code);
    }

    [Fact]
    public void ReceiveData_Rsv1WithoutNegotiation_Fails1002()
    {
        var server = New(Role.Server, agreed: null);
        server.ReceiveData(Wire.Frame(true, 1, Wire.Utf8("x"), rsv: 4));
        var error = Assert.Single(Events(server));
        Assert.Equal(CloseStatus.ProtocolError, error.Code);
        Assert.Equal(ProtocolErrors.BadRsvBits, error.Error);
    }

    [Theory]
    [InlineData(0, 4)] // a continuation
    [InlineData(9, 4)] // a ping
    public void ReceiveData_Rsv1OnControlOrContinuation_Fails1002(int opcode, int rsv)
    {
        var server = New(Role.Server, NoTakeover);
        byte[] first = opcode == 0 ? Wire.Frame(false, 1, Wire.Utf8("a")) : [];
        server.ReceiveData([.. first, .. Wire.Frame(true, opcode, Wire.Utf8("b"), rsv: rsv)]);
        var error = Events(server).Last();
        Assert.Equal(CloseStatus.ProtocolError, error.Code);
        Assert.Equal(Cosocket.Protocol.Messages.Violation.CompressedBitMisplaced, error.Error);
    }

    [Theory]
    [InlineData(5)] // RSV1 and RSV3
    [InlineData(2)] // RSV2
    public void ReceiveData_OtherRsvBitsWithDeflate_Fail1002(int rsv)
    {
        var server = New(Role.Server, NoTakeover);
        server.ReceiveData(Wire.Frame(true, 1, Wire.Utf8("x"), rsv: rsv));
        Assert.Equal(ProtocolErrors.BadRsvBits, Assert.Single(Events(server)).Error);
    }

    [Fact]
    public void ReceiveData_InvalidCompressedData_Fails1007()
    {
        var server = New(Role.Server, NoTakeover);
        server.ReceiveData(Wire.Frame(true, 2, [0xFF, 0xFF, 0xFF, 0xFF], rsv: 4)); // block type 3 is reserved
        var error = Assert.Single(Events(server));
        Assert.Equal(CloseStatus.InvalidFramePayloadData, error.Code);
        Assert.Equal(Cosocket.Protocol.Messages.Violation.InvalidCompressedData, error.Error);
    }

    [Fact]
    public void ReceiveData_CompressedInvalidUtf8Text_Fails1007()
    {
        var client = New(Role.Client, NoTakeover);
        client.SendMessage(Opcode.Text, (byte[])[.. Json(200), 0xC3, 0x28, .. Json(200)], int.MaxValue); // the sender does not check
        var server = New(Role.Server, NoTakeover);
        server.ReceiveData(Drain(client));
        var error = Assert.Single(Events(server));
        Assert.Equal(CloseStatus.InvalidFramePayloadData, error.Code);
        Assert.Equal(Cosocket.Protocol.Messages.Violation.InvalidUtf8Text, error.Error);
    }

    [Fact]
    public void ReceiveData_PingBetweenCompressedFragments_IsAnsweredAndTheMessageArrives()
    {
        var client = New(Role.Client, NoTakeover);
        byte[] message = Json(3000);
        client.SendMessage(Opcode.Text, message, 500);
        byte[] wire = Drain(client);
        var frames = Frames(wire, masked: true);
        int firstFrame = 2 + 2 + 4 + frames[0].Length; // header with 16-bit length? only when > 125
        if (frames[0].Length <= 125)
            firstFrame -= 2;
        var server = New(Role.Server, NoTakeover);
        server.ReceiveData([.. wire[..firstFrame], .. Wire.Frame(true, 9, Wire.Utf8("p")), .. wire[firstFrame..]]);
        Assert.Equal(message, Assert.Single(Events(server)).Payload);
        Assert.Equal(0x8A, Frames(Drain(server), masked: false)[0].First);
    }

    [Fact]
    public void ReceiveData_UncompressedMessageOnDeflateConnection_ArrivesAsItIs()
    {
        var server = New(Role.Server, NoTakeover);
        server.ReceiveData([.. Wire.Frame(false, 1, Wire.Utf8("he")), .. Wire.Frame(true, 0, Wire.Utf8("llo"))]);
        Assert.Equal("hello", Wire.Text(Assert.Single(Events(server)).Payload));
    }

    [Fact]
    public void ReceiveData_EmptyCompressedMessage_IsEmpty()
    {
        var server = New(Role.Server, NoTakeover);
        server.ReceiveData(Wire.Frame(true, 1, [0x00], rsv: 4)); // RFC 7692 §7.2.3.6
        var message = Assert.Single(Events(server));
        Assert.Equal(ProtocolEventKind.Message, message.Kind);
        Assert.Empty(message.Payload!);
    }

    [Fact]
    public void SendMessage_SharedPayloadToManyConnections_IsCompressedOnce()
    {
        byte[] payload = Json(200_000); // compresses to more than the 4 KiB sent without a copy
        var first = New(Role.Server, NoTakeover);
        var second = New(Role.Server, NoTakeover);
        var alone = New(Role.Server, NoTakeover);
        first.SendMessage(Opcode.Text, payload, int.MaxValue, shared: true);
        second.SendMessage(Opcode.Text, payload, int.MaxValue, shared: true);
        alone.SendMessage(Opcode.Text, payload, int.MaxValue);
        byte[] CompressedArray(WebSocketProtocol protocol)
        {
            protocol.TryTakeOutgoing(out _); // the header
            Assert.True(protocol.TryTakeOutgoing(out var body));
            Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(body.Bytes, out var segment));
            return segment.Array!;
        }
        byte[] made = CompressedArray(first);
        Assert.Same(made, CompressedArray(second));
        byte[] own = CompressedArray(alone);
        Assert.NotSame(made, own);
        Assert.Equal(made, own);
    }

    [Fact]
    public void SendMessage_SharedPayloadWithContextTakeover_IsCompressedPerConnection()
    {
        byte[] payload = Json(200_000);
        var client = New(Role.Client, new DeflateParameters());
        var first = New(Role.Server, new DeflateParameters());
        first.SendMessage(Opcode.Text, payload, int.MaxValue, shared: true);
        first.SendMessage(Opcode.Text, payload, int.MaxValue, shared: true); // refers to the first: another form
        client.ReceiveData(Drain(first));
        Assert.All(Events(client), e => Assert.Equal(payload, e.Payload));
    }
}
