using System.Text;
using System.Text.Unicode;
using Akka.Actor;
using Cosocket.Actors.Server;
using Cosocket.Actors.Transport;
using Cosocket.Protocol;
using Cosocket.Protocol.Framing;
using Cosocket.Protocol.Messages;

namespace Cosocket.Actors.Connections;

/// <summary>
/// The message layer beside the seed's frame API, shared by the server and client objects:
/// reassembly, strict validation (done by the framing stage's <see cref="MessageValidator"/> as
/// bytes arrive), automatic pongs, automatic fragmentation, and the close handshake of RFC 6455 §7.
/// It reads and sends through the connection's <see cref="FrameSession"/>, so the seed's rules
/// (fatal flag, one receive and one send at a time, timeouts) hold here too.
/// </summary>
/// <remarks>
/// The first receive of a connection picks its API for good: once <c>recv_frame</c> has read a
/// frame, <c>ReceiveMessageAsync</c> returns <see cref="FrameSession.ApisMixed"/>, and the other way
/// round. Sending is not exclusive: the frame senders still work beside <c>SendMessageAsync</c>.
/// </remarks>
internal sealed class MessageSession
{
    public const string AlreadyClosed = "already closed";
    public const string ReasonTooLong = "close reason too long";
    public const string NotAMessage = "not a text or binary message";

    private readonly FrameSession _session;
    private readonly bool _isServer;
    private readonly bool _masked;
    private readonly int _fragmentSize;
    private readonly bool _validateUtf8;
    private readonly MessageAssembler _assembler = new();
    private readonly TaskCompletionSource<CloseResult> _peerClose = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _closeSent;
    private volatile bool _closeReceived;

    public MessageSession(FrameSession session, FrameOptions options, bool isServer, bool masked)
    {
        _session = session;
        _isServer = isServer;
        _masked = masked;
        _fragmentSize = options.EffectiveFragmentSize;
        _validateUtf8 = options.Messages.ValidateUtf8;
    }

    private FrameConnection Connection => _session.Connection;

    private bool CloseSent => Volatile.Read(ref _closeSent) != 0;

    /// <summary>True once a close frame was sent or received: the connection cannot be reused.</summary>
    public bool IsClosing => CloseSent || _closeReceived;

    /// <summary>True while part of a fragmented message has been received.</summary>
    public bool InMessage => _assembler.InMessage;

    /// <summary>The next message; pooled, so a receive allocates no state machine of its own (the
    /// public API hands out a <see cref="Task{TResult}"/> of it).</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<MessageResult> ReceiveAsync()
    {
        if (_session.Fatal)
            return MessageResult.Failure(FrameSession.FatalErrorAlreadyHappened, ErrorKind.Refused);
        if (_closeReceived)
            return MessageResult.Failure(SocketErrors.Closed, ErrorKind.Closed);
        if (!_session.TryUseReceiveMode(ReceiveMode.Messages))
            return MessageResult.Failure(FrameSession.ApisMixed, ErrorKind.Refused);
        if (!_session.TryBeginReceive())
            return MessageResult.Failure(FrameSession.SocketBusyReading, ErrorKind.Refused);
        try
        {
            while (true)
            {
                var (result, error) = await _session.ReadAsync().ConfigureAwait(false);
                if (error is { } ended)
                    return Ended(ended);
                if (ViolationOf(result) is { } violation)
                    return Fail(violation);
                var frame = result.Frame;
                switch (frame.Opcode)
                {
                    case Opcode.Ping:
                        // RFC 6455 §5.5.2: "Upon receipt of a Ping frame, an endpoint MUST send a Pong
                        // frame in response, unless it already received a Close frame." §5.5.3: "A Pong
                        // frame sent in response to a Ping frame must have identical Application data".
                        // (No close has been received here: receiving one ends this loop.)
                        Connection.PostPong(frame.Payload, _masked);
                        break;
                    case Opcode.Pong:
                        break; // §5.5.3: "A response to an unsolicited Pong frame is not expected."
                    case Opcode.Close:
                        return OnPeerClose(frame);
                    default:
                        if (_assembler.Add(frame) is { } message)
                            return Deliver(message.Opcode, message.Payload);
                        break;
                }
            }
        }
        finally
        {
            _session.EndReceive();
        }
    }

    /// <summary>Sends one message, in frames of at most the fragment size.</summary>
    /// <param name="validated">The text is known to be UTF-8 (a message this layer received).</param>
    public Task<SendResult> SendAsync(Opcode opcode, ReadOnlyMemory<byte> payload, bool validated = false)
    {
        if (_session.Fatal)
            return Task.FromResult(SendResult.Failure(FrameSession.FatalErrorAlreadyHappened));
        // RFC 6455 §5.5.1: "After sending a Close frame, the endpoint MUST NOT send any further data frames."
        if (CloseSent)
            return Task.FromResult(SendResult.Failure(AlreadyClosed));
        // §5.6: text "MUST" be UTF-8 on the wire too; refusing it here is not fatal.
        if (opcode == Opcode.Text && _validateUtf8 && !validated && !Utf8.IsValid(payload.Span))
            return Task.FromResult(SendResult.Failure(Violation.InvalidUtf8Text));
        CosocketTelemetry.MessagesSent.Add(1);
        return _session.SendMessageAsync(opcode, payload, _fragmentSize);
    }

    /// <summary>Sends a message this layer received (here or on another connection) as it came.</summary>
    public Task<SendResult> SendAsync(MessageResult message) => message.Type switch
    {
        MessageResult.TextType => SendAsync(Opcode.Text, message.Data, validated: true),
        MessageResult.BinaryType => SendAsync(Opcode.Binary, message.Data),
        _ => Task.FromResult(SendResult.Failure(NotAMessage)),
    };

    /// <summary>
    /// Starts the close handshake (RFC 6455 §7.1.2) and waits for the peer's close frame, up to the
    /// close timeout; then the server closes TCP, and the client waits for the server to close it
    /// (§7.1.1). Returns the peer's code and reason. Called again, or after the peer closed first,
    /// it returns the same outcome.
    /// </summary>
    public async Task<CloseResult> CloseAsync(int code, string? reason)
    {
        // §7.4: an endpoint sends only codes defined for the wire.
        if (!CloseStatus.IsValidOnWire(code))
            return CloseResult.Failure(ProtocolErrors.BadStatusCode);
        byte[] reasonBytes = Encoding.UTF8.GetBytes(reason ?? "");
        if (reasonBytes.Length > FrameEncoder.MaxControlPayloadLength - 2)
            return CloseResult.Failure(ReasonTooLong);
        if (!_session.TryUseReceiveMode(ReceiveMode.Messages))
            return CloseResult.Failure(FrameSession.ApisMixed);
        if (!TryMarkCloseSent())
            return await _peerClose.Task.ConfigureAwait(false);
        if (_session.Fatal)
            return CloseResult.Failure(FrameSession.FatalErrorAlreadyHappened);

        _ = Connection.Transport.Closed.ContinueWith(_ => EndedBeforePeerClose(), TaskScheduler.Default);
        CosocketTelemetry.CountClose("local", code);
        Connection.PostControl(Opcode.Close, CloseBody((ushort)code, reasonBytes), _masked);
        Connection.Self.Tell(new FrameConnectionActor.AwaitPeerClose());
        // A receive in progress sees the peer's close and completes the handshake; otherwise read here.
        if (_session.TryBeginReceive())
        {
            try
            {
                await ReadUntilPeerCloseAsync().ConfigureAwait(false);
            }
            finally
            {
                _session.EndReceive();
            }
        }
        return await _peerClose.Task.ConfigureAwait(false);
    }

    /// <summary>After this side's close: what the peer still sends is discarded (pings answered) until its close arrives.</summary>
    private async Task ReadUntilPeerCloseAsync()
    {
        while (!_closeReceived)
        {
            var (result, error) = await _session.ReadAsync().ConfigureAwait(false);
            if (error is { Kind: ErrorKind.Timeout })
                continue;
            if (error is not null) // the connection is gone
            {
                EndedBeforePeerClose();
                return;
            }
            if (ViolationOf(result) is { } violation)
            {
                Fail(violation);
                return;
            }
            if (result.Frame.Opcode == Opcode.Close)
                OnPeerClose(result.Frame);
            else if (result.Frame.Opcode == Opcode.Ping)
                Connection.PostPong(result.Frame.Payload, _masked); // §5.5.2 holds until the peer's close, ours sent or not
        }
    }

    /// <summary>What fails the connection in a decoded result: a framing error, or a message-layer violation.</summary>
    private static Violation? ViolationOf(in DecodeResult result) => result.Status switch
    {
        DecodeStatus.Error => Violation.FromDecodeError(result.Error!),
        DecodeStatus.Violation => result.Violation,
        _ => null,
    };

    private MessageResult Deliver(Opcode opcode, byte[] payload)
    {
        var message = new MessageResult(opcode == Opcode.Text ? MessageResult.TextType : MessageResult.BinaryType, payload, null, null);
        CosocketTelemetry.MessagesReceived.Add(1);
        var subscribers = Connection.Subscribers;
        if (!subscribers.IsEmpty)
        {
            var received = new MessageReceived(Connection.Id, message);
            foreach (var subscriber in subscribers)
                subscriber.Tell(received, Connection.Self);
        }
        return message;
    }

    private MessageResult OnPeerClose(in Frame frame)
    {
        _closeReceived = true;
        // A close this side started was counted when it was sent; the peer's answer completes it.
        if (!CloseSent)
            CosocketTelemetry.CountClose("peer", frame.CloseCode);
        byte[] reason = frame.Data.ToArray();
        if (TryMarkCloseSent())
        {
            // §5.5.1: "If an endpoint receives a Close frame and did not previously send a Close
            // frame, the endpoint MUST send a Close frame in response. (When sending a Close frame
            // in response, the endpoint typically echos the status code it received.)" The reason
            // goes back too: it is valid UTF-8 (checked) and fits (it came in a control frame).
            Connection.PostControl(Opcode.Close, frame.CloseCode is { } code ? CloseBody(code, frame.Data.Span) : [], _masked);
        }
        _peerClose.TrySetResult(new CloseResult(frame.CloseCode, Encoding.UTF8.GetString(reason), null));
        if (_isServer)
        {
            // §7.1.1: "the underlying TCP connection, in most normal cases, SHOULD be closed first by the server".
            Connection.Self.Tell(new FrameConnectionActor.Shutdown());
        }
        else
        {
            // §7.1.1: "the client SHOULD wait for the server to close the connection": read to the end
            // of input, which the close timeout bounds, then close this side.
            Connection.Self.Tell(new FrameConnectionActor.AwaitPeerClose());
            _ = CloseAfterEndOfInputAsync();
        }
        return new MessageResult(MessageResult.CloseType, reason, frame.CloseCode, null);
    }

    private async Task CloseAfterEndOfInputAsync()
    {
        var incoming = Connection.Incoming;
        while (await incoming.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            while (incoming.TryRead(out _))
            {
            }
        }
        Connection.Self.Tell(new FrameConnectionActor.Shutdown());
    }

    /// <summary>
    /// _Fail the WebSocket Connection_ (§7.1.7): "An endpoint MUST NOT continue to attempt to process
    /// data (including a responding Close frame) from the remote endpoint after being instructed to
    /// _Fail the WebSocket Connection_." The close frame goes out, then the connection is closed.
    /// </summary>
    private MessageResult Fail(Violation violation)
    {
        _session.SetFatal();
        if (TryMarkCloseSent())
        {
            CosocketTelemetry.CountClose("local", violation.CloseCode);
            Connection.PostControl(Opcode.Close, CloseBody(violation.CloseCode, Encoding.UTF8.GetBytes(violation.Reason)), _masked);
        }
        Connection.Self.Tell(new FrameConnectionActor.Shutdown());
        _peerClose.TrySetResult(CloseResult.Failure(violation.Reason));
        return MessageResult.Failure(violation.Reason, ErrorKind.Protocol, violation.CloseCode);
    }

    /// <summary>The connection ended, or a receive timed out (not fatal; a partial message is kept).
    /// An end this side caused (keepalive, slow consumer, rate limit) is told as its own reason and code.</summary>
    private MessageResult Ended(ReadError error)
    {
        if (error.Kind == ErrorKind.Timeout)
            return MessageResult.Failure(error.Err, ErrorKind.Timeout);
        EndedBeforePeerClose();
        return Connection.Failure is { } failure
            ? MessageResult.Failure(failure.Reason, ErrorKind.Closed, failure.Code)
            : MessageResult.Failure(error.Err, error.Kind);
    }

    /// <summary>The connection ended with no close from the peer: the close handshake did not complete,
    /// because this side cut it (keepalive) or it was cut (the close timeout, the peer).</summary>
    private void EndedBeforePeerClose() => _peerClose.TrySetResult(CloseResult.Failure(Connection.Failure?.Reason ?? SocketErrors.Closed));

    private bool TryMarkCloseSent() => Interlocked.Exchange(ref _closeSent, 1) == 0;

    /// <summary>A close body; a reason too long for a control frame is cut short (Cosocket's own
    /// reasons are ASCII, so no character is cut in two).</summary>
    private static byte[] CloseBody(ushort code, ReadOnlySpan<byte> reason) =>
        Protocol.ClosePayload.Build(code, reason[..Math.Min(reason.Length, FrameEncoder.MaxControlPayloadLength - 2)]).Payload!;
}
