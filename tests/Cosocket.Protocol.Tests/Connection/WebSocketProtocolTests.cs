using System.Buffers.Binary;
using Cosocket.Protocol.Connection;
using Cosocket.Protocol.Framing;

namespace Cosocket.Protocol.Tests.Connection;

/// <summary>
/// The connection state machine without sockets: bytes in, events, bytes, transport actions and
/// timers out (as python-websockets' test_protocol drives its Protocol).
/// </summary>
public class WebSocketProtocolTests
{
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    private static WebSocketProtocol New(Role role = Role.Server, ReceiveMode mode = ReceiveMode.Messages, long maxPayload = 65535,
        long maxMessage = 1 << 20, TimeSpan? pingInterval = null)
    {
        var protocol = new WebSocketProtocol(new ProtocolSettings(role, maxPayload, maxMessage, ValidateUtf8: true,
            MaskSends: role == Role.Client, CloseTimeout, pingInterval, TimeSpan.FromSeconds(10)));
        protocol.Open();
        if (mode != ReceiveMode.Undecided)
            protocol.UseMode(mode);
        return protocol;
    }

    /// <summary>A frame from the peer: masked when it comes to a server.</summary>
    private static byte[] From(WebSocketProtocol to, bool fin, Opcode opcode, byte[] payload) =>
        Wire.Frame(fin, (int)opcode, payload, to.Role == Role.Server ? null : []);

    private static byte[] CloseBody(ushort code, string reason)
    {
        var body = new byte[2 + System.Text.Encoding.UTF8.GetByteCount(reason)];
        BinaryPrimitives.WriteUInt16BigEndian(body, code);
        System.Text.Encoding.UTF8.GetBytes(reason, body.AsSpan(2));
        return body;
    }

    /// <summary>Everything the protocol has to send, decoded as its peer would.</summary>
    private static List<Frame> Sent(WebSocketProtocol protocol)
    {
        var bytes = new List<byte>();
        while (protocol.TryTakeOutgoing(out var data))
            bytes.AddRange(data.Bytes.ToArray());
        var decoder = new FrameDecoder(new FrameDecoderOptions(long.MaxValue, ForceMasking: protocol.Role == Role.Client));
        var frames = new List<Frame>();
        ReadOnlySpan<byte> input = bytes.ToArray();
        while (!input.IsEmpty)
        {
            var result = decoder.Decode(input, out int consumed);
            input = input[consumed..];
            Assert.Equal(DecodeStatus.Frame, result.Status);
            frames.Add(result.Frame);
        }
        return frames;
    }

    private static List<ProtocolEvent> Events(WebSocketProtocol protocol)
    {
        var events = new List<ProtocolEvent>();
        while (protocol.TryTakeEvent(out var e))
            events.Add(e);
        return events;
    }

    private static List<TimerRequest> Timers(WebSocketProtocol protocol)
    {
        var timers = new List<TimerRequest>();
        while (protocol.TryTakeTimer(out var t))
            timers.Add(t);
        return timers;
    }

    [Fact]
    public void ReceiveData_MaskedTextInPieces_IsOneMessageOnceComplete()
    {
        var server = New();
        var bytes = From(server, true, Opcode.Text, Wire.Utf8("hello"));
        server.ReceiveData(bytes.AsSpan(0, 3));
        Assert.Empty(Events(server));
        Assert.False(server.IsAtFrameBoundary);
        server.ReceiveData(bytes.AsSpan(3));
        var message = Assert.Single(Events(server));
        Assert.Equal(ProtocolEventKind.Message, message.Kind);
        Assert.Equal("hello", Wire.Text(message.Payload));
    }

    [Fact]
    public void ReceiveData_Fragments_AreJoined_WithAPingBetweenThemAnswered()
    {
        var server = New();
        server.ReceiveData([.. From(server, false, Opcode.Text, Wire.Utf8("hel")), .. From(server, true, Opcode.Ping, Wire.Utf8("p")),
            .. From(server, true, Opcode.Continuation, Wire.Utf8("lo"))]);
        Assert.Equal("hello", Wire.Text(Assert.Single(Events(server)).Payload));
        var pong = Assert.Single(Sent(server));
        Assert.Equal(Opcode.Pong, pong.Opcode);
        Assert.Equal("p", Wire.Text(pong.Payload.ToArray()));
    }

    [Fact]
    public void Undecided_HoldsFramesAndAnswersNothing_UntilTheFirstReceivePicksTheMode()
    {
        var server = New(mode: ReceiveMode.Undecided);
        server.ReceiveData([.. From(server, true, Opcode.Ping, Wire.Utf8("a")), .. From(server, true, Opcode.Binary, [1, 2])]);
        Assert.Empty(Events(server));
        Assert.Empty(Sent(server));
        Assert.True(server.HasPendingInput);

        Assert.True(server.UseMode(ReceiveMode.Messages));
        Assert.Equal(Opcode.Pong, Assert.Single(Sent(server)).Opcode);
        Assert.Equal([1, 2], Assert.Single(Events(server)).Payload);
        Assert.False(server.UseMode(ReceiveMode.Frames));
    }

    [Fact]
    public void FrameMode_HandsOnPingsAndClosesAsFrames_AndAnswersNothing()
    {
        var server = New(mode: ReceiveMode.Frames);
        server.ReceiveData([.. From(server, true, Opcode.Ping, []), .. From(server, true, Opcode.Close, CloseBody(1000, "bye")),
            .. From(server, true, Opcode.Text, Wire.Utf8("after"))]);
        var events = Events(server);
        Assert.Equal([Opcode.Ping, Opcode.Close, Opcode.Text], events.Select(e => e.Frame.Opcode));
        Assert.All(events, e => Assert.Equal(ProtocolEventKind.Frame, e.Kind));
        Assert.Empty(Sent(server));
        Assert.Equal(TransportAction.None, server.TransportAction);
    }

    [Fact]
    public void FrameMode_SkipsMessageLayerViolations()
    {
        var server = New(mode: ReceiveMode.Frames);
        server.ReceiveData(From(server, true, Opcode.Continuation, Wire.Utf8("orphan")));
        Assert.Equal(Opcode.Continuation, Assert.Single(Events(server)).Frame.Opcode);
        Assert.Empty(Sent(server));
    }

    [Fact]
    public void FrameMode_FramingError_IsTheLastEvent_AndSendsNothing()
    {
        var server = New(mode: ReceiveMode.Frames);
        server.ReceiveData(Wire.Frame(true, (int)Opcode.Text, Wire.Utf8("x"), key: []));
        var error = Assert.Single(Events(server));
        Assert.Equal((ProtocolEventKind.Error, ErrorKind.Protocol, ProtocolErrors.FrameUnmasked), (error.Kind, error.ErrorKind, error.Error));
        Assert.Empty(Sent(server));
        Assert.True(server.IsEventsOver);
    }

    [Fact]
    public void PingFlood_NeverWritten_KeepsAtMost16Pongs_TheLastAnsweringTheLatestPing()
    {
        var server = New();
        for (int i = 0; i < 10_000; i++)
            server.ReceiveData(From(server, true, Opcode.Ping, Wire.Utf8($"{i}")));
        var pongs = Sent(server);
        Assert.Equal(WebSocketProtocol.MaxWaitingPongs, pongs.Count);
        Assert.Equal("9999", Wire.Text(pongs[^1].Payload.ToArray()));
        Assert.Equal("14", Wire.Text(pongs[^2].Payload.ToArray()));
        Assert.Equal(0, server.BufferedBytes);
    }

    [Fact]
    public void PeerClose_ToServer_IsEchoedOnceTaken_ThenTheServerClosesTcp()
    {
        var server = New();
        server.ReceiveData([.. From(server, true, Opcode.Close, CloseBody(1001, "away")), .. From(server, true, Opcode.Text, Wire.Utf8("late"))]);
        var close = Assert.Single(Events(server));
        Assert.Equal((ProtocolEventKind.Close, (ushort?)1001, "away"), (close.Kind, close.Code, Wire.Text(close.Payload)));
        Assert.Empty(Sent(server));
        Assert.Equal(TransportAction.None, server.TransportAction);
        server.Acknowledge();
        var echo = Assert.Single(Sent(server));
        Assert.Equal((Opcode.Close, (ushort?)1001, "away"), (echo.Opcode, echo.CloseCode, Wire.Text(echo.Data.ToArray())));
        Assert.Equal(TransportAction.ShutdownAfterWrite, server.TransportAction);
        Assert.Contains(new TimerRequest(ProtocolTimer.Close, CloseTimeout), Timers(server));
        Assert.Equal(SendStatus.AlreadyClosed, server.SendMessage(Opcode.Text, Wire.Utf8("no"), 100));
    }

    [Fact]
    public void PeerClose_ToClient_IsEchoed_ThenTheClientWaitsForTheServersEnd()
    {
        var client = New(Role.Client);
        client.ReceiveData(From(client, true, Opcode.Close, []));
        Assert.Equal(ProtocolEventKind.Close, Assert.Single(Events(client)).Kind);
        client.Acknowledge();
        var echo = Assert.Single(Sent(client));
        Assert.True(echo.Masked);
        Assert.Empty(echo.Payload.ToArray());
        Assert.Equal(TransportAction.None, client.TransportAction);
        Assert.Contains(new TimerRequest(ProtocolTimer.Close, CloseTimeout), Timers(client));

        client.ReceiveEof(null);
        Assert.Equal(TransportAction.ShutdownAfterWrite, client.TransportAction);
        Assert.Equal(ConnectionState.Closed, client.State);
    }

    [Fact]
    public void StartClose_ThenPeersAnswer_CompletesTheHandshake()
    {
        var server = New();
        Assert.Equal(SendStatus.Queued, server.StartClose(1000, Wire.Utf8("done")));
        Assert.Equal(ConnectionState.Closing, server.State);
        Assert.Equal((ushort?)1000, Assert.Single(Sent(server)).CloseCode);
        Assert.Equal(SendStatus.AlreadyClosed, server.SendMessage(Opcode.Text, Wire.Utf8("late"), 100));
        Assert.Equal(SendStatus.AlreadyClosed, server.StartClose(1000, []));

        server.ReceiveData(From(server, true, Opcode.Close, CloseBody(1000, "ok")));
        Assert.Equal("ok", Wire.Text(Assert.Single(Events(server)).Payload));
        server.Acknowledge();
        Assert.Empty(Sent(server)); // no second close
        Assert.Equal(TransportAction.ShutdownAfterWrite, server.TransportAction);
    }

    [Fact]
    public void CloseTimer_Passing_CutsTheConnection()
    {
        var server = New();
        server.StartClose(1000, []);
        server.DeadlinePassed(ProtocolTimer.Close);
        Assert.Equal(TransportAction.Abort, server.TransportAction);
        Assert.Equal(ConnectionState.Closed, server.State);
        Assert.Equal(SendStatus.AlreadyClosed, server.SendMessage(Opcode.Text, ReadOnlyMemory<byte>.Empty, 10));
        Assert.Equal(SendStatus.Closed, server.SendFrame(true, (int)Opcode.Text, ReadOnlyMemory<byte>.Empty));
    }

    [Theory]
    [InlineData(Opcode.Text, new byte[] { 0xC3, 0x28 }, CloseStatus.InvalidFramePayloadData)]
    [InlineData(Opcode.Continuation, new byte[] { 1 }, CloseStatus.ProtocolError)]
    public void Violation_FailsTheConnection_WithItsCode_AndProcessesNothingAfter(Opcode opcode, byte[] payload, ushort code)
    {
        var server = New();
        server.ReceiveData([.. From(server, true, opcode, payload), .. From(server, true, Opcode.Ping, [])]);
        var error = Assert.Single(Events(server));
        Assert.Equal((ProtocolEventKind.Error, ErrorKind.Protocol, (ushort?)code), (error.Kind, error.ErrorKind, error.Code));
        server.Acknowledge();
        var close = Assert.Single(Sent(server));
        Assert.Equal((ushort?)code, close.CloseCode);
        Assert.Equal(TransportAction.ShutdownAfterWrite, server.TransportAction);
        server.ReceiveData(From(server, true, Opcode.Ping, []));
        Assert.Empty(Sent(server));
    }

    [Fact]
    public void FrameOverTheReceiveLimit_Is1009_FromItsHeaderAlone()
    {
        var server = New(maxPayload: 1000);
        var header = From(server, true, Opcode.Binary, new byte[2000]).AsSpan(0, 8).ToArray();
        server.ReceiveData(header);
        Assert.Equal((ushort?)CloseStatus.MessageTooBig, Assert.Single(Events(server)).Code);
        server.Acknowledge();
        Assert.Equal((ushort?)CloseStatus.MessageTooBig, Assert.Single(Sent(server)).CloseCode);
    }

    [Fact]
    public void MaskedFrameToClient_FailsTheMessageLayer_ButNotTheFrameApi()
    {
        var messages = New(Role.Client);
        messages.ReceiveData(Wire.Frame(true, (int)Opcode.Text, Wire.Utf8("m")));
        Assert.Equal((ushort?)CloseStatus.ProtocolError, Assert.Single(Events(messages)).Code);
        messages.Acknowledge();
        Assert.Equal((ushort?)CloseStatus.ProtocolError, Assert.Single(Sent(messages)).CloseCode);

        var frames = New(Role.Client, ReceiveMode.Frames);
        frames.ReceiveData(Wire.Frame(true, (int)Opcode.Text, Wire.Utf8("m")));
        Assert.Equal("m", Wire.Text(Assert.Single(Events(frames)).Frame.Payload.ToArray()));
    }

    [Fact]
    public void Violation_AfterAMessage_WaitsForTheApplicationsAnswerToIt()
    {
        // Autobahn 3.x/4.x: valid text, then a violation and a ping in one write: the echo, then the
        // failure, and no pong.
        var server = New();
        server.ReceiveData([.. From(server, true, Opcode.Text, Wire.Utf8("first")), .. Wire.Frame(true, 5, []), .. From(server, true, Opcode.Ping, [])]);
        Assert.Equal([ProtocolEventKind.Message, ProtocolEventKind.Error], Events(server).Select(e => e.Kind));
        Assert.Empty(Sent(server));
        server.SendMessage(Opcode.Text, Wire.Utf8("first"), 100);
        server.Acknowledge();
        Assert.Equal([Opcode.Text, Opcode.Close], Sent(server).Select(f => f.Opcode));
    }

    [Fact]
    public void PeerClose_ThenItsEnd_TheAnswersToEarlierMessagesGoFirst()
    {
        // A peer that sends messages, its close and its FIN at once still reads: the echoes, then the
        // close's answer, then this side's end.
        var server = New();
        server.ReceiveData([.. From(server, true, Opcode.Text, Wire.Utf8("last words")), .. From(server, true, Opcode.Close, CloseBody(1000, ""))]);
        server.ReceiveEof(null);
        Assert.Equal([ProtocolEventKind.Message, ProtocolEventKind.Close, ProtocolEventKind.Error], Events(server).Select(e => e.Kind));
        Assert.Empty(Sent(server));
        Assert.Equal(TransportAction.None, server.TransportAction);
        Assert.Contains(new TimerRequest(ProtocolTimer.Close, CloseTimeout), Timers(server));

        Assert.Equal(SendStatus.Queued, server.SendMessage(Opcode.Text, Wire.Utf8("last words"), 100));
        server.Acknowledge();
        Assert.Equal([Opcode.Text, Opcode.Close], Sent(server).Select(f => f.Opcode));
        Assert.Equal(TransportAction.ShutdownAfterWrite, server.TransportAction);
        Assert.Equal(ConnectionState.Closed, server.State);
    }

    [Fact]
    public void PeerClose_ToClient_ThenItsEnd_IsAnsweredOnceTaken_ThenThisSideEnds()
    {
        var client = New(Role.Client);
        client.ReceiveData(From(client, true, Opcode.Close, CloseBody(1000, "")));
        client.ReceiveEof(null);
        Assert.Empty(Sent(client));
        client.Acknowledge();
        Assert.Equal((ushort?)1000, Assert.Single(Sent(client)).CloseCode);
        Assert.Equal(TransportAction.ShutdownAfterWrite, client.TransportAction);
    }

    [Fact]
    public void Finish_WithAViolationWaiting_SendsItsClose()
    {
        var server = New();
        server.ReceiveData(From(server, true, Opcode.Continuation, [1]));
        server.Finish();
        Assert.Equal((ushort?)CloseStatus.ProtocolError, Assert.Single(Sent(server)).CloseCode);
        Assert.Equal(TransportAction.ShutdownAfterWrite, server.TransportAction);
    }

    [Fact]
    public void Rest_HandsOnWhateverArrives_AndResumeLetsTheNextOwnerPick()
    {
        var client = New(Role.Client, ReceiveMode.Messages, pingInterval: TimeSpan.FromSeconds(30));
        Timers(client);
        client.Rest();
        Assert.Equal([new TimerRequest(ProtocolTimer.Ping, null), new TimerRequest(ProtocolTimer.Pong, null)], Timers(client));
        client.ReceiveData(From(client, true, Opcode.Ping, []));
        Assert.Equal(ProtocolEventKind.Frame, Assert.Single(Events(client)).Kind); // a disturbance, not answered
        Assert.Empty(Sent(client));

        var reused = New(Role.Client, ReceiveMode.Frames, pingInterval: TimeSpan.FromSeconds(30));
        reused.Rest();
        reused.Resume();
        Assert.Equal(ReceiveMode.Undecided, reused.Mode);
        Assert.True(reused.UseMode(ReceiveMode.Messages));
        Assert.Contains(new TimerRequest(ProtocolTimer.Ping, TimeSpan.FromSeconds(30)), Timers(reused));
    }

    [Theory]
    [InlineData(0, "failed to receive the first 2 bytes: closed")]
    [InlineData(1, "failed to receive the first 2 bytes: closed")]
    [InlineData(4, "failed to receive the 2 byte payload length: closed")]
    [InlineData(10, "failed to read masking-len and payload: closed")]
    public void Eof_AnywhereInAFrame_IsWordedAsTheSeed(int received, string words)
    {
        var server = New();
        var frame = From(server, true, Opcode.Binary, new byte[300]);
        server.ReceiveData(frame.AsSpan(0, received == 4 ? 3 : received));
        server.ReceiveEof(null);
        var end = Assert.Single(Events(server));
        Assert.Equal((ProtocolEventKind.Error, ErrorKind.Closed, words), (end.Kind, end.ErrorKind, end.Error));
        Assert.Equal(TransportAction.ShutdownAfterWrite, server.TransportAction);
        Assert.True(server.IsEventsOver);
    }

    [Fact]
    public void Eof_UnderTheFrameApi_LeavesTheEndToTheApplication()
    {
        var server = New(mode: ReceiveMode.Frames);
        server.ReceiveEof("connection reset by peer");
        Assert.Equal("failed to receive the first 2 bytes: connection reset by peer", Assert.Single(Events(server)).Error);
        Assert.Equal(TransportAction.None, server.TransportAction);
    }

    [Fact]
    public void Eof_BeforeTheModeIsPicked_ComesAfterTheHeldFrames()
    {
        var server = New(mode: ReceiveMode.Undecided);
        server.ReceiveData(From(server, true, Opcode.Text, Wire.Utf8("last")));
        server.ReceiveEof(null);
        Assert.Empty(Events(server));
        server.UseMode(ReceiveMode.Frames);
        Assert.Equal([ProtocolEventKind.Frame, ProtocolEventKind.Error], Events(server).Select(e => e.Kind));
    }

    [Fact]
    public void Eof_AfterThisSidesClose_EndsTheConnection()
    {
        var server = New();
        server.StartClose(1000, []);
        server.ReceiveEof(null);
        Assert.Equal(ConnectionState.Closed, server.State);
        Assert.Equal(ErrorKind.Closed, Assert.Single(Events(server)).ErrorKind);
    }

    [Fact]
    public void Keepalive_PeerSilent_IsClosed1011_AndCutOnceWritten()
    {
        var server = New(pingInterval: TimeSpan.FromSeconds(30));
        Assert.Equal([new TimerRequest(ProtocolTimer.Ping, TimeSpan.FromSeconds(30))], Timers(server));
        server.DeadlinePassed(ProtocolTimer.Ping);
        Assert.Equal(Opcode.Ping, Assert.Single(Sent(server)).Opcode);
        Assert.Contains(new TimerRequest(ProtocolTimer.Pong, TimeSpan.FromSeconds(10)), Timers(server));

        server.DeadlinePassed(ProtocolTimer.Pong);
        var close = Assert.Single(Sent(server));
        Assert.Equal((ushort?)CloseStatus.InternalError, close.CloseCode);
        Assert.Equal(WebSocketProtocol.KeepaliveTimeout, Wire.Text(close.Data.ToArray()));
        Assert.Equal(TransportAction.AbortAfterWrite, server.TransportAction);
        var end = Assert.Single(Events(server));
        Assert.Equal((ErrorKind.Closed, (ushort?)1011, WebSocketProtocol.KeepaliveTimeout), (end.ErrorKind, end.Code, end.Error));
    }

    [Fact]
    public void Keepalive_AnyBytesSinceThePing_ShowThePeerIsAlive()
    {
        var server = New(pingInterval: TimeSpan.FromSeconds(30));
        server.DeadlinePassed(ProtocolTimer.Ping);
        server.ReceiveData(From(server, false, Opcode.Binary, new byte[10])); // not even a whole message
        server.DeadlinePassed(ProtocolTimer.Pong);
        Assert.Equal(TransportAction.None, server.TransportAction);
        Assert.Equal(Opcode.Ping, Assert.Single(Sent(server)).Opcode);
    }

    [Fact]
    public void Keepalive_InputWaitingForTheApplication_IsNotThePeersFault()
    {
        var server = New(pingInterval: TimeSpan.FromSeconds(30));
        server.ReceiveData(From(server, true, Opcode.Binary, [1]));
        server.DeadlinePassed(ProtocolTimer.Ping);
        server.DeadlinePassed(ProtocolTimer.Pong);
        Assert.Equal(TransportAction.None, server.TransportAction);
    }

    [Fact]
    public void Keepalive_Off_CancelsItsTimers_AndAClosingConnectionPingsNoMore()
    {
        var server = New(pingInterval: TimeSpan.FromSeconds(30));
        Timers(server);
        server.SetKeepalive(false);
        Assert.Equal([new TimerRequest(ProtocolTimer.Ping, null), new TimerRequest(ProtocolTimer.Pong, null)], Timers(server));
        server.SetKeepalive(true);
        server.StartClose(1000, []);
        Sent(server);
        server.DeadlinePassed(ProtocolTimer.Ping);
        Assert.Empty(Sent(server));
    }

    [Fact]
    public void SendMessage_LargerThanTheFragmentSize_GoesOutInOrderedFragments_TaggedOnTheLast()
    {
        var client = New(Role.Client);
        object tag = new();
        Assert.Equal(SendStatus.Queued, client.SendMessage(Opcode.Text, Wire.Utf8("abcdefg"), 3, tag));
        var chunks = new List<OutgoingData>();
        while (client.TryTakeOutgoing(out var chunk))
            chunks.Add(chunk);
        Assert.Equal(3, chunks.Count);
        Assert.Equal([null, null, tag], chunks.Select(c => c.Tag));
        Assert.Equal(chunks.Sum(c => c.Bytes.Length), chunks[^1].SendLength);

        client.SendMessage(Opcode.Text, Wire.Utf8("abcdefg"), 3);
        var frames = Sent(client);
        Assert.Equal([(false, Opcode.Text), (false, Opcode.Continuation), (true, Opcode.Continuation)], frames.Select(f => (f.Fin, f.Opcode)));
        Assert.All(frames, f => Assert.True(f.Masked));
        Assert.Equal("abcdefg", string.Concat(frames.Select(f => Wire.Text(f.Payload.ToArray()))));
    }

    [Fact]
    public void SendMessage_LargeUnmasked_IsNotCopied()
    {
        var server = New();
        var payload = new byte[10_000];
        server.SendMessage(Opcode.Binary, payload, 65535);
        Assert.True(server.TryTakeOutgoing(out var header));
        Assert.Equal(4, header.Bytes.Length);
        Assert.True(server.TryTakeOutgoing(out var body));
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(body.Bytes, out var segment));
        Assert.Same(payload, segment.Array);
        Assert.Equal(10_004, body.SendLength);
    }

    [Fact]
    public void Finish_ShutsTheSendingSideDown_AfterWhatIsQueued_WithinTheCloseTimeout()
    {
        var server = New();
        server.SendMessage(Opcode.Text, Wire.Utf8("last"), 100);
        server.Finish();
        Assert.Equal(TransportAction.ShutdownAfterWrite, server.TransportAction);
        Assert.Equal(SendStatus.Closed, server.SendMessage(Opcode.Text, Wire.Utf8("after"), 100));
        Assert.Equal("last", Wire.Text(Assert.Single(Sent(server)).Payload.ToArray()));
        Assert.Contains(new TimerRequest(ProtocolTimer.Close, CloseTimeout), Timers(server));
    }

    [Fact]
    public void Fail_ByThisSide_SendsItsCode_AndTellsTheReader()
    {
        var server = New();
        server.Fail(CloseStatus.PolicyViolation, "slow consumer", ErrorKind.Closed);
        Assert.Equal((ushort?)CloseStatus.PolicyViolation, Assert.Single(Sent(server)).CloseCode);
        var end = Assert.Single(Events(server));
        Assert.Equal((ErrorKind.Closed, (ushort?)1008, "slow consumer"), (end.ErrorKind, end.Code, end.Error));
        server.Fail(CloseStatus.InternalError, "again", ErrorKind.Closed);
        Assert.Empty(Sent(server));
        Assert.Empty(Events(server));
    }

    [Fact]
    public void SendFrame_RawClose_MarksTheCloseSent_ButTheFrameApiMaySendOn()
    {
        var server = New(mode: ReceiveMode.Frames);
        server.SendFrame(true, (int)Opcode.Close, CloseBody(1000, ""));
        Assert.True(server.CloseSent);
        Assert.Equal(SendStatus.Queued, server.SendFrame(true, (int)Opcode.Text, Wire.Utf8("seed allows it")));
        Assert.Equal(2, Sent(server).Count);
    }
}
