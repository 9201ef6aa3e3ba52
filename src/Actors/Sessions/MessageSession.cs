using System.Text;
using System.Text.Unicode;
using Akka.Actor;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Transport;
using Cosocket.Protocol;
using Cosocket.Protocol.Connection;
using Cosocket.Protocol.Framing;
using Cosocket.Protocol.Messages;

namespace Cosocket.Actors.Sessions;

/// <summary>
/// The message layer beside the seed's frame API, shared by the server and client objects: whole
/// messages in and out, and the close handshake as an awaitable call. Reassembly, validation,
/// automatic pongs, the close handshake's frames and who closes TCP are the connection's protocol's
/// (<see cref="WebSocketProtocol"/>, in its stage); this takes its events and sends through the
/// connection's <see cref="FrameSession"/>, so the seed's rules (fatal flag, one receive and one
/// send at a time, timeouts) hold here too.
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
    private readonly int _fragmentSize;
    private readonly bool _validateUtf8;
    private readonly TaskCompletionSource<CloseResult> _peerClose = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _closeSent;
    private volatile bool _closeReceived;

    public MessageSession(FrameSession session, FrameOptions options)
    {
        _session = session;
        _fragmentSize = options.EffectiveFragmentSize;
        _validateUtf8 = options.Messages.ValidateUtf8;
    }

    private FrameConnection Connection => _session.Connection;

    private bool CloseSent => Volatile.Read(ref _closeSent) != 0;

    /// <summary>True once a close frame was sent or received, or the connection is ending: it cannot be reused.</summary>
    public bool IsClosing => CloseSent || _closeReceived || Connection.Protocol.State >= ConnectionState.Closing;

    /// <summary>True while part of a fragmented message has been received.</summary>
    public bool InMessage => Connection.Protocol.InMessage;

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
            var (next, error) = await _session.ReadAsync().ConfigureAwait(false);
            if (error is { } ended)
            {
                if (ended.Kind != ErrorKind.Timeout) // a timeout is not fatal and keeps a partial message
                    EndedBeforePeerClose();
                return MessageResult.Failure(ended.Err, ended.Kind);
            }
            return next.Kind == ProtocolEventKind.Message ? Deliver(next.Opcode, next.Payload!) : OnEnd(next);
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
        // RFC 6455 §5.5.1: "After sending a Close frame, the endpoint MUST NOT send any further data
        // frames." (The protocol refuses them too, should its echo of the peer's close come first.)
        if (CloseSent || _closeReceived)
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
        // The protocol sends it after what is queued, and gives the peer the close timeout to answer.
        Connection.PostClose((ushort)code, reasonBytes);
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

    /// <summary>After this side's close: what the peer still sends is discarded until its close arrives.</summary>
    private async Task ReadUntilPeerCloseAsync()
    {
        while (!_closeReceived)
        {
            var (next, error) = await _session.ReadAsync().ConfigureAwait(false);
            if (error is { Kind: ErrorKind.Timeout })
                continue;
            if (error is not null) // the connection is gone
            {
                EndedBeforePeerClose();
                return;
            }
            if (next.Kind == ProtocolEventKind.Message)
                continue;
            OnEnd(next);
            if (next.Kind != ProtocolEventKind.Close)
                return;
        }
    }

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

    /// <summary>
    /// The peer's close or the protocol's last event, taken after everything before it: what this
    /// reader sent for those is queued, so the protocol may answer now (the close's answer, or the
    /// violation's failure).
    /// </summary>
    private MessageResult OnEnd(in ProtocolEvent end)
    {
        Connection.PostAcknowledge();
        return end.Kind == ProtocolEventKind.Close ? OnPeerClose(end) : OnLast(end);
    }

    /// <summary>The peer's close, which the protocol answers now (and, on a server, closes TCP after).</summary>
    private MessageResult OnPeerClose(in ProtocolEvent close)
    {
        _closeReceived = true;
        TryMarkCloseSent();
        _peerClose.TrySetResult(CloseResult.OfPeer(close));
        return new MessageResult(MessageResult.CloseType, close.Payload, close.Code, null);
    }

    /// <summary>
    /// The protocol's last event: a violation it failed the connection for (its close frame sent:
    /// RFC 6455 §7.1.7), a policy of this side (keepalive, slow consumer, rate limit; with the code
    /// sent), or the end of input. Fatal.
    /// </summary>
    private MessageResult OnLast(in ProtocolEvent last)
    {
        _session.SetFatal();
        _peerClose.TrySetResult(CloseResult.Failure(last.Code is null ? SocketErrors.Closed : last.Error!));
        return MessageResult.Failure(last.Error!, last.ErrorKind, last.Code);
    }

    /// <summary>The connection ended: the peer's close if the protocol received one (a receiver may
    /// not have read it yet), else the close handshake did not complete.</summary>
    private void EndedBeforePeerClose() => _peerClose.TrySetResult(Connection.Protocol.PeerClose ?? CloseResult.Failure(SocketErrors.Closed));

    private bool TryMarkCloseSent() => Interlocked.Exchange(ref _closeSent, 1) == 0;
}
