using System.Runtime.InteropServices;
using Cosocket.Protocol.Deflate;
using Cosocket.Protocol.Framing;
using Cosocket.Protocol.Messages;

namespace Cosocket.Protocol.Connection;

/// <summary>
/// One WebSocket connection, without I/O: the single owner of its state. Its inputs are the bytes
/// received (<see cref="ReceiveData"/>), the end of them (<see cref="ReceiveEof"/>), a deadline that
/// passed (<see cref="DeadlinePassed"/>) and what the application sends or decides; its outputs are
/// events for the application (<see cref="TryTakeEvent"/>), bytes for the transport
/// (<see cref="TryTakeOutgoing"/>), what to do with the transport (<see cref="TransportAction"/>) and
/// deadlines to arm (<see cref="TryTakeTimer"/>). It decodes and validates frames, answers pings,
/// runs the close handshake and keepalive, fragments and masks what it sends, and accounts for the
/// bytes waiting to be written.
/// </summary>
/// <remarks>Not thread-safe: its host calls it from one thread at a time (the connection's stream stage).
/// With permessage-deflate it borrows compression contexts: <see cref="Dispose"/> gives back what it keeps.</remarks>
public sealed class WebSocketProtocol : IDisposable
{
    /// <summary>The reason (with 1011) a connection whose peer stopped answering keepalive pings is closed with.</summary>
    public const string KeepaliveTimeout = "keepalive timeout";

    /// <summary>Automatic pongs that may wait to be written before a new one replaces the newest of them.</summary>
    public const int MaxWaitingPongs = 16;

    /// <summary>Payloads from this size up go out unmasked without being copied: the header is its own
    /// chunk and the payload's own memory follows it.</summary>
    private const int ZeroCopyThreshold = 4096;

    private readonly ProtocolSettings _settings;
    // Made on the first bytes: an idle connection holds no decoder, assembler or held frames.
    private FrameDecoder? _decoder;
    private MessageAssembler? _assembler;
    private MessageCompressor? _compressor;
    private MessageInflater? _inflater;
    private readonly Queue<ProtocolEvent> _events = new();
    // Decoded before the first receive picked the mode: held, unanswered, until it does.
    private List<DecodeResult>? _held;
    private readonly List<OutgoingData> _output = [];
    private readonly Queue<TimerRequest> _timers = new();
    private int _outputHead;
    private long _bufferedBytes;
    private int _waitingPongs;
    private int _newestPong = -1;
    private bool _closeSent;
    private bool _closeReceived;
    private bool _inputOver;     // nothing more received is processed (a close, a failure, the end)
    private bool _eventsOver;    // the last event (an error, or the end) was handed out
    private bool _closeTimerArmed;
    private Frame? _deferredClose;
    private bool _inputEnded;       // the peer's end of input (or a transport failure) arrived
    private Violation? _deferredViolation;
    private bool _keepalive;
    private bool _awaitingPong;
    private long _bytesReceived;
    private long _bytesAtPing;

    public WebSocketProtocol(ProtocolSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
    }

    private FrameDecoder Decoder => _decoder ??= NewDecoder();

    private FrameDecoder NewDecoder()
    {
        bool server = _settings.Role == Role.Server;
        // RFC 6455 §5.1: "The server MUST close the connection upon receiving a frame that is not
        // masked"; "A client MUST close a connection if it detects a masked frame" (checked by the
        // validator, so that the seed's raw recv_frame can still accept them, docs/compatibility.md §3.4).
        return new FrameDecoder(new FrameDecoderOptions(_settings.MaxPayloadLength, ForceMasking: server, AllowRsv1: _settings.Deflate is not null),
            new MessageValidator(_settings.MaxMessageLength, _settings.ValidateUtf8, forbidMasked: !server));
    }

    public Role Role => _settings.Role;

    public ConnectionState State { get; private set; } = ConnectionState.Connecting;

    public ReceiveMode Mode { get; private set; }

    /// <summary>What the host must do with the transport; it only ever grows.</summary>
    public TransportAction TransportAction { get; private set; }

    /// <summary>Encoded bytes not yet taken by the host.</summary>
    public long BufferedBytes => _bufferedBytes;

    /// <summary>True while events or held frames wait for the application: the host reads no more until they are taken.</summary>
    public bool HasPendingInput => _events.Count > 0 || _held is { Count: > 0 };

    /// <summary>True once the last event has been handed out.</summary>
    public bool IsEventsOver => _eventsOver && _events.Count == 0;

    /// <summary>Where the decoder is in the current frame: the words of a receive that times out (docs/compatibility.md §1.5).</summary>
    public ReadPhase Phase => _decoder?.Phase ?? ReadPhase.FirstTwoBytes;

    /// <summary>False while part of a frame has been received but not decoded.</summary>
    public bool IsAtFrameBoundary => _decoder?.IsAtFrameBoundary ?? true;

    /// <summary>True while part of a fragmented message has been received.</summary>
    public bool InMessage => _assembler?.InMessage == true || _inflater?.InMessage == true;

    public bool CloseSent => _closeSent;


    /// <summary>Who started the close handshake and with what code: this side (a close it sent first,
    /// a failure), or the peer (its close came first). Null until one did; a close sent through the
    /// raw frame API is the application's and is not counted here.</summary>
    public CloseOrigin? FirstClose { get; private set; }

    /// <summary>The opening handshake is done: frames may flow, and keepalive starts.</summary>
    public void Open()
    {
        if (State != ConnectionState.Connecting)
            return;
        State = ConnectionState.Open;
        SetKeepalive(true);
    }

    /// <summary>Fixes how frames are handed on; false when another mode was already picked.</summary>
    public bool UseMode(ReceiveMode mode)
    {
        if (Mode == mode)
            return true;
        if (Mode != ReceiveMode.Undecided || mode == ReceiveMode.Undecided)
            return false;
        Mode = mode;
        if (_held is { Count: > 0 })
        {
            // Processing may fail the connection, which drops what is held: work on a copy.
            var held = _held.ToArray();
            _held.Clear();
            foreach (var result in held)
                Process(result);
        }
        return true;
    }

    /// <summary>
    /// The connection rests in a pool between owners: no keepalive pings, and whatever arrives (a
    /// frame, the end) is handed on as it came, which makes it unusable (its owner checked that
    /// nothing was waiting before it let it go).
    /// </summary>
    public void Rest()
    {
        SetKeepalive(false);
        if (Mode == ReceiveMode.Undecided)
            UseMode(ReceiveMode.Frames);
        else
            Mode = ReceiveMode.Frames;
    }

    /// <summary>A rested connection goes to a new owner, whose first receive picks the mode again.</summary>
    public void Resume()
    {
        Mode = ReceiveMode.Undecided;
        SetKeepalive(true);
    }

    /// <summary>Keepalive pings on or off.</summary>
    public void SetKeepalive(bool on)
    {
        if (_settings.PingInterval is not { } interval)
            return;
        if (on && State == ConnectionState.Open && !_keepalive)
        {
            _keepalive = true;
            _timers.Enqueue(new TimerRequest(ProtocolTimer.Ping, interval));
        }
        else if (!on && _keepalive)
            StopKeepalive();
    }

    // Inputs.

    /// <summary>Bytes from the peer. After a close, a failure or the end, they are discarded
    /// (RFC 6455 §7.1.7: "MUST NOT continue to attempt to process data").</summary>
    public void ReceiveData(ReadOnlySpan<byte> data)
    {
        if (State == ConnectionState.Connecting)
            Open(); // bytes can only come once the handshake is done
        _bytesReceived += data.Length;
        while (!_inputOver && !data.IsEmpty)
        {
            var result = Decoder.Decode(data, out int consumed);
            data = data[consumed..];
            if (result.Status == DecodeStatus.NeedMoreData)
                break;
            if (Mode == ReceiveMode.Undecided)
                (_held ??= []).Add(result);
            else
                Process(result);
            if (result.Status == DecodeStatus.Error)
                break; // the decoder stays failed
        }
    }

    /// <summary>The peer's end of input (a FIN), or a transport failure worded <paramref name="socketError"/>.</summary>
    public void ReceiveEof(string? socketError)
    {
        var ended = DecodeResult.InputEnded(Phase.Describe(socketError ?? "closed"));
        if (Mode == ReceiveMode.Undecided && !_eventsOver)
            (_held ??= []).Add(ended);
        else
            Process(ended);
    }

    /// <summary>A deadline the protocol asked for has passed.</summary>
    public void DeadlinePassed(ProtocolTimer timer)
    {
        switch (timer)
        {
            case ProtocolTimer.Close:
                // The peer did not finish closing in time, or the last bytes could not be written.
                _closeTimerArmed = false;
                if (TransportAction != TransportAction.Abort)
                    Close(TransportAction.Abort);
                break;
            case ProtocolTimer.Ping:
                if (!_keepalive || State != ConnectionState.Open)
                    break;
                _timers.Enqueue(new TimerRequest(ProtocolTimer.Ping, _settings.PingInterval));
                if (_awaitingPong)
                    break;
                _awaitingPong = true;
                _bytesAtPing = _bytesReceived;
                Enqueue(Opcode.Ping, fin: true, ReadOnlyMemory<byte>.Empty, tag: null);
                _timers.Enqueue(new TimerRequest(ProtocolTimer.Pong, _settings.PongTimeout));
                break;
            case ProtocolTimer.Pong:
                if (!_awaitingPong)
                    break;
                _awaitingPong = false;
                // Anything received since the ping shows the peer is alive (its pong may queue behind
                // a large message), and so does input waiting for the application: then this side is
                // the slow one, and reads nothing until it catches up.
                if (State != ConnectionState.Open || _bytesReceived != _bytesAtPing || HasPendingInput)
                    break;
                Fail(CloseStatus.InternalError, KeepaliveTimeout, ErrorKind.Closed, abort: true);
                break;
        }
    }

    // Sends.

    /// <summary>The seed's <c>send_frame</c>: one frame as given (its checks are the caller's, as the
    /// seed's are). A close frame sent this way marks the close as sent.</summary>
    public SendStatus SendFrame(bool fin, int opcode, ReadOnlyMemory<byte> payload, object? tag = null)
    {
        if (!CanSend)
            return SendStatus.Closed;
        if (opcode == (int)Opcode.Close)
            EnqueueClose(payload, tag, fin);
        else
            Enqueue((Opcode)opcode, fin, payload, tag);
        return SendStatus.Queued;
    }

    /// <summary>One message: <paramref name="payload"/> in frames of at most <paramref name="fragmentSize"/>
    /// bytes (RFC 6455 §5.4), queued together so no other frame lands between them. A
    /// <paramref name="shared"/> payload (a whole array) goes to many connections: compressed, its
    /// compressed form is made once for those that compress alike.</summary>
    public SendStatus SendMessage(Opcode opcode, ReadOnlyMemory<byte> payload, int fragmentSize, object? tag = null, bool shared = false)
    {
        // §5.5.1: "After sending a Close frame, the endpoint MUST NOT send any further data frames."
        if (_closeSent)
            return SendStatus.AlreadyClosed;
        if (!CanSend)
            return SendStatus.Closed;
        bool compressed = false;
        if (_settings.Deflate is { } deflate && (_compressor ??= new MessageCompressor(deflate, Role)).Compress(payload, shared) is { } deflated)
        {
            // RFC 7692 §7.2.1: the compressed bytes are the message's payload, in as many frames as
            // any payload; §6: RSV1 on its first frame only.
            payload = deflated;
            compressed = true;
        }
        if (payload.Length <= fragmentSize)
        {
            Enqueue(opcode, fin: true, payload, tag, compressed: compressed);
            return SendStatus.Queued;
        }
        int total = 0;
        for (int offset = 0; offset < payload.Length; offset += fragmentSize)
        {
            int length = Math.Min(fragmentSize, payload.Length - offset);
            bool last = offset + length == payload.Length;
            total += Enqueue(offset == 0 ? opcode : Opcode.Continuation, last, payload.Slice(offset, length), last ? tag : null, total, compressed && offset == 0);
        }
        return SendStatus.Queued;
    }

    /// <summary>
    /// Starts the close handshake (RFC 6455 §7.1.2): the close frame goes out after what is queued,
    /// and the peer has the close timeout to answer. The answer comes as a <see cref="ProtocolEventKind.Close"/> event.
    /// </summary>
    public SendStatus StartClose(ushort code, ReadOnlySpan<byte> reason, object? tag = null)
    {
        if (_closeSent)
            return SendStatus.AlreadyClosed;
        if (!CanSend)
            return SendStatus.Closed;
        EnqueueClose(CloseBody(code, reason), tag);
        FirstClose ??= new CloseOrigin(ByPeer: false, code);
        ArmCloseTimer();
        return SendStatus.Queued;
    }

    /// <summary>
    /// _Fail the WebSocket Connection_ (RFC 6455 §7.1.7) for <paramref name="reason"/>: a close with
    /// <paramref name="code"/> goes out unless one already did, nothing more received is processed,
    /// and the transport is closed once that is written (cut, with <paramref name="abort"/>). The
    /// message layer's reader is told, as <paramref name="kind"/>.
    /// </summary>
    public void Fail(ushort code, string reason, ErrorKind kind, bool abort = false)
    {
        if (State == ConnectionState.Closed || _inputOver && TransportAction != TransportAction.None)
            return;
        _deferredClose = null; // superseded: this close is the answer
        _deferredViolation = null;
        if (!_closeSent && CanSend)
        {
            EnqueueClose(CloseBody(code, System.Text.Encoding.UTF8.GetBytes(reason)), tag: null);
            FirstClose ??= new CloseOrigin(ByPeer: false, code);
        }
        _inputOver = true;
        _held?.Clear();
        if (Mode == ReceiveMode.Messages)
            EmitLast(ProtocolEvent.OfError(kind, code, reason));
        else
            _eventsOver = true;
        Close(abort ? TransportAction.AbortAfterWrite : TransportAction.ShutdownAfterWrite);
    }

    /// <summary>This side sends nothing more: what is queued is written, the sending side shut down,
    /// and the peer has the close timeout to close its side (like nginx when a handler returns).</summary>
    public void Finish()
    {
        Acknowledge();
        if (State == ConnectionState.Closed)
            return;
        Close(TransportAction.ShutdownAfterWrite);
    }

    /// <summary>
    /// The message layer's application has taken the peer's close, or a violation, after everything
    /// before it (and queued its answers to those): now the close is answered (RFC 6455 §5.5.1) and
    /// TCP closed as §7.1.1 says, or the connection failed with the violation's code (§7.1.7).
    /// Without one waiting, nothing happens.
    /// </summary>
    public void Acknowledge()
    {
        if (_deferredClose is { } close)
        {
            _deferredClose = null;
            AnswerPeerClose(close);
            if (_inputEnded) // the peer has already ended its side: so does this one, once the answer is written
                EndThisSide();
        }
        else if (_deferredViolation is { } violation)
        {
            _deferredViolation = null;
            Fail(violation.CloseCode, violation.Reason, ErrorKind.Protocol);
        }
    }

    // Outputs.

    public bool TryTakeEvent(out ProtocolEvent protocolEvent) => _events.TryDequeue(out protocolEvent);

    /// <summary>The next event without taking it (a host that paces the application looks first).</summary>
    public bool TryPeekEvent(out ProtocolEvent protocolEvent) => _events.TryPeek(out protocolEvent);

    public bool TryTakeTimer(out TimerRequest request) => _timers.TryDequeue(out request);

    public bool TryTakeOutgoing(out OutgoingData data)
    {
        if (_outputHead == _output.Count)
        {
            data = default;
            return false;
        }
        data = _output[_outputHead++];
        _bufferedBytes -= data.Bytes.Length;
        if (data.IsPong)
            _waitingPongs--;
        if (_outputHead == _output.Count)
        {
            _output.Clear();
            _outputHead = 0;
            _newestPong = -1;
        }
        return true;
    }

    // Inside.

    private bool CanSend => State is ConnectionState.Open or ConnectionState.Closing && TransportAction == TransportAction.None
        || State == ConnectionState.Connecting;

    private void Process(in DecodeResult result)
    {
        if (_inputOver)
        {
            if (result.Status == DecodeStatus.Ended)
                OnEnd(result.Error!);
            return;
        }
        switch (result.Status)
        {
            case DecodeStatus.Frame when Mode == ReceiveMode.Frames:
                _events.Enqueue(ProtocolEvent.OfFrame(result.Frame));
                break;
            case DecodeStatus.Frame:
                OnFrame(result.Frame);
                break;
            case DecodeStatus.Violation when Mode == ReceiveMode.Frames:
                break; // the frame API is raw: the message layer's rules do not apply
            case DecodeStatus.Violation:
                Defer(result.Violation);
                break;
            case DecodeStatus.Error when Mode == ReceiveMode.Frames:
                // The seed's recv_frame: the error is returned, and nothing is sent for it.
                _inputOver = true;
                EmitLast(ProtocolEvent.OfError(ErrorKind.Protocol, null, result.Error!));
                break;
            case DecodeStatus.Error:
                Defer(Violation.FromDecodeError(result.Error!));
                break;
            case DecodeStatus.Ended:
                _inputOver = true;
                OnEnd(result.Error!);
                break;
        }
    }

    private void OnFrame(in Frame frame)
    {
        switch (frame.Opcode)
        {
            case Opcode.Ping:
                // RFC 6455 §5.5.2: "Upon receipt of a Ping frame, an endpoint MUST send a Pong frame in
                // response, unless it already received a Close frame." §5.5.3: "A Pong frame sent in
                // response to a Ping frame must have identical Application data". (No close has been
                // received here: nothing is processed after one.)
                EnqueuePong(frame.Payload);
                break;
            case Opcode.Pong:
                break; // §5.5.3: "A response to an unsolicited Pong frame is not expected."
            case Opcode.Close:
                // Answered once the application has taken what came before it (see Acknowledge).
                _closeReceived = true;
                _inputOver = true;
                FirstClose ??= new CloseOrigin(ByPeer: true, frame.CloseCode);
                _deferredClose = frame;
                _events.Enqueue(ProtocolEvent.OfClose(frame.CloseCode, frame.Data.ToArray()));
                break;
            case Opcode.Continuation or Opcode.Text or Opcode.Binary when frame.Compressed || _inflater?.InMessage == true:
                // RFC 7692 §7.2.2: the frames of a compressed message are inflated as they arrive.
                _inflater ??= new MessageInflater(_settings.Deflate!, Role, _settings.MaxMessageLength, _settings.ValidateUtf8);
                if (_inflater.Add(frame, out var inflated) is { } violation)
                    Defer(violation);
                else if (inflated is { } whole)
                    _events.Enqueue(ProtocolEvent.OfMessage(whole.Opcode, whole.Payload));
                break;
            default:
                if ((_assembler ??= new MessageAssembler()).Add(frame) is { } message)
                    _events.Enqueue(ProtocolEvent.OfMessage(message.Opcode, message.Payload));
                break;
        }
    }

    /// <summary>
    /// A violation fails the connection (RFC 6455 §7.1.7), but only once the application has taken
    /// the messages before it (see <see cref="Acknowledge"/>): their answers go out first, as a peer
    /// that sent them in one write expects. Nothing after it is processed.
    /// </summary>
    private void Defer(Violation violation)
    {
        _inputOver = true;
        _deferredViolation = violation;
        EmitLast(ProtocolEvent.OfError(ErrorKind.Protocol, violation.CloseCode, violation.Reason));
    }

    private void AnswerPeerClose(in Frame frame)
    {
        if (!_closeSent && CanSend)
        {
            // §5.5.1: "If an endpoint receives a Close frame and did not previously send a Close frame,
            // the endpoint MUST send a Close frame in response. (When sending a Close frame in response,
            // the endpoint typically echos the status code it received.)" The reason goes back too: it
            // is valid UTF-8 (checked) and fits (it came in a control frame).
            EnqueueClose(frame.CloseCode is { } code ? CloseBody(code, frame.Data.Span) : ReadOnlyMemory<byte>.Empty, tag: null);
        }
        if (Role == Role.Server)
        {
            // §7.1.1: "the underlying TCP connection, in most normal cases, SHOULD be closed first by the server".
            Close(TransportAction.ShutdownAfterWrite);
        }
        else
        {
            // §7.1.1: "the client SHOULD wait for the server to close the connection": until the end
            // of input, which the close timeout bounds.
            StopKeepalive();
            ArmCloseTimer();
        }
    }

    private void OnEnd(string error)
    {
        _inputEnded = true;
        EmitLast(ProtocolEvent.OfError(ErrorKind.Closed, null, error));
        if (_deferredClose is not null || _deferredViolation is not null)
        {
            // A peer that ended its side after its close may still read: the application's answers to
            // what came before the close go out first, then the close's (Acknowledge ends this side).
            // The close timeout bounds an application that never takes it.
            ArmCloseTimer();
            return;
        }
        // The message layer owns the connection's end: once the peer has ended its side, so does this
        // one. Under the frame API the application decides (the seed's handler returns).
        if (Mode == ReceiveMode.Messages || _closeReceived || _closeSent || TransportAction != TransportAction.None)
            EndThisSide();
    }

    /// <summary>Both sides are done: what remains is writing what is queued, bounded by the close timer.</summary>
    private void EndThisSide()
    {
        Close(TransportAction.ShutdownAfterWrite);
        if (TransportAction < TransportAction.Abort)
            State = ConnectionState.Closed;
    }

    /// <summary>No new message goes out; the transport is closed as <paramref name="action"/> says
    /// (an abort at once ends the connection), with the close timeout as the bound on the rest.</summary>
    private void Close(TransportAction action)
    {
        if (action > TransportAction)
            TransportAction = action;
        StopKeepalive();
        if (action == TransportAction.Abort)
        {
            State = ConnectionState.Closed;
            _inputOver = true;
            if (_closeTimerArmed)
            {
                _closeTimerArmed = false;
                _timers.Enqueue(new TimerRequest(ProtocolTimer.Close, null));
            }
            return;
        }
        if (State is ConnectionState.Open or ConnectionState.Connecting)
            State = ConnectionState.Closing;
        ArmCloseTimer();
    }

    /// <summary>A close frame goes out after what is queued: this side sends nothing after it but what
    /// the raw frame API insists on (RFC 6455 §5.5.1 binds the message layer).</summary>
    private void EnqueueClose(ReadOnlyMemory<byte> body, object? tag, bool fin = true)
    {
        Enqueue(Opcode.Close, fin, body, tag);
        _closeSent = true;
        if (State is ConnectionState.Open or ConnectionState.Connecting)
            State = ConnectionState.Closing;
        StopKeepalive();
    }

    private void ArmCloseTimer()
    {
        if (_closeTimerArmed || State == ConnectionState.Closed)
            return;
        _closeTimerArmed = true;
        _timers.Enqueue(new TimerRequest(ProtocolTimer.Close, _settings.CloseTimeout));
    }

    private void StopKeepalive()
    {
        if (!_keepalive)
            return;
        _keepalive = false;
        _awaitingPong = false;
        _timers.Enqueue(new TimerRequest(ProtocolTimer.Ping, null));
        _timers.Enqueue(new TimerRequest(ProtocolTimer.Pong, null));
    }

    private void EmitLast(in ProtocolEvent last)
    {
        if (_eventsOver)
            return;
        _eventsOver = true;
        _held?.Clear();
        _events.Enqueue(last);
    }

    /// <summary>Queues an automatic pong. Once <see cref="MaxWaitingPongs"/> wait, it replaces the
    /// newest of them, so the latest ping is answered and a ping flood costs O(1) (RFC 6455 §5.5.3:
    /// "an endpoint MAY elect to send a Pong frame for only the most recently processed Ping frame").</summary>
    private void EnqueuePong(ReadOnlyMemory<byte> payload)
    {
        var pong = new OutgoingData(Encode(Opcode.Pong, fin: true, payload), null, 0) { IsPong = true };
        if (_waitingPongs == MaxWaitingPongs)
        {
            _bufferedBytes += pong.Bytes.Length - _output[_newestPong].Bytes.Length;
            _output[_newestPong] = pong;
            return;
        }
        _waitingPongs++;
        _newestPong = _output.Count;
        _output.Add(pong);
        _bufferedBytes += pong.Bytes.Length;
    }

    /// <returns>The bytes of the frame, header included.</returns>
    private int Enqueue(Opcode opcode, bool fin, ReadOnlyMemory<byte> payload, object? tag, int sentBefore = 0, bool compressed = false)
    {
        if (!_settings.MaskSends && payload.Length >= ZeroCopyThreshold && MemoryMarshal.TryGetArray(payload, out _))
        {
            // The payload is not copied: it must not change until it is written (the senders wait for that).
            var header = new byte[FrameEncoder.GetHeaderLength(payload.Length, masked: false)];
            FrameEncoder.WriteHeader(header, fin, (int)opcode, payload.Length, null, compressed);
            int length = header.Length + payload.Length;
            Add(new OutgoingData(header, null, 0));
            Add(new OutgoingData(payload, tag, sentBefore + length));
            return length;
        }
        var frame = Encode(opcode, fin, payload, compressed);
        Add(new OutgoingData(frame, tag, sentBefore + frame.Length));
        return frame.Length;
    }

    private void Add(in OutgoingData data)
    {
        _output.Add(data);
        _bufferedBytes += data.Bytes.Length;
    }

    private byte[] Encode(Opcode opcode, bool fin, ReadOnlyMemory<byte> payload, bool compressed = false)
    {
        uint? key = _settings.MaskSends ? MaskKeyGenerator.Shared.Next() : null;
        var frame = new byte[FrameEncoder.GetHeaderLength(payload.Length, key is not null) + payload.Length];
        FrameEncoder.WriteFrame(frame, fin, (int)opcode, payload.Span, key, compressed);
        return frame;
    }

    /// <summary>Gives back the compression contexts this connection keeps (with context takeover) or
    /// holds mid-message; the connection sends and inflates nothing after it.</summary>
    public void Dispose()
    {
        _compressor?.Release();
        _inflater?.Release();
    }

    /// <summary>A close body; a reason too long for a control frame is cut short (Cosocket's own
    /// reasons are ASCII, so no character is cut in two).</summary>
    private static byte[] CloseBody(ushort code, ReadOnlySpan<byte> reason) =>
        ClosePayload.Build(code, reason[..Math.Min(reason.Length, FrameEncoder.MaxControlPayloadLength - 2)]).Payload!;
}
