using System.Text;
using Akka.Actor;
using Cosocket.Actors.Transport;
using Cosocket.Protocol;
using Cosocket.Protocol.Framing;
using Cosocket.Protocol.Handshake;

namespace Cosocket.Actors.Server;

/// <summary>
/// The seed's <c>resty.websocket.server</c> object: <c>new</c>, <c>recv_frame</c>, the senders,
/// <c>set_timeout</c> and the public <c>fatal</c> flag (spec §2), async, returning the seed's values
/// instead of throwing for protocol or network errors.
/// </summary>
/// <remarks>
/// Thread-safety (DECISIONS D10): one receive and one send may run at the same time; a second
/// concurrent receive gets <c>socket busy reading</c>, a second concurrent send <c>socket busy
/// writing</c>. A receive timeout is not fatal and loses nothing: the next receive resumes the same
/// frame (D1). Any other receive error, and any send error, sets <see cref="Fatal"/>.
/// <para>
/// Like the seed's handlers, which run on nginx's event loop, code that awaits these methods may
/// resume on the connection's own stream thread (a received frame or a completed write wakes it
/// there, without a trip through the thread pool). A handler must therefore never block: no
/// <c>.Result</c>, <c>.Wait()</c> or <c>Thread.Sleep</c>; a blocked handler stalls its own connection.
/// </para>
/// </remarks>
public sealed class WebSocketServer
{
    public const string FatalErrorAlreadyHappened = "fatal error already happened";
    public const string SocketBusyReading = "socket busy reading";
    public const string SocketBusyWriting = "socket busy writing";

    private readonly ConnectionCore _core;
    private readonly long _maxSendLen;
    private readonly bool _sendMasked;
    private MaskKeyGenerator? _keys;
    private TimeSpan? _timeout;
    private volatile bool _fatal;
    private int _receiving;
    private int _sending;

    private WebSocketServer(ConnectionCore core, ServerOptions options)
    {
        _core = core;
        _maxSendLen = options.EffectiveMaxSendLen;
        _sendMasked = options.SendMasked;
        _timeout = options.Timeout;
    }

    /// <summary>The seed's public <c>fatal</c> field: set after a fatal error; every later call fails.</summary>
    public bool Fatal => _fatal;

    /// <summary>The connection's id, unique to this connection.</summary>
    public string ConnectionId => _core.Id;

    /// <summary>The connection actor: <c>Tell</c> it to send, close or subscribe; watch it for the end of the connection.</summary>
    public IActorRef Connection => _core.Self;

    /// <summary>The subprotocol confirmed in the 101 response, or null.</summary>
    public string? Protocol { get; private init; }

    /// <summary>
    /// The seed's <c>server:new(opts)</c>: validates the upgrade request in the original's order
    /// (spec §2.2), writes the 101 response with the handler's extra headers, and returns the object.
    /// On failure nothing is sent and the error is returned; the handler decides what to answer, and
    /// when it does not, the connection answers as DECISIONS D4 says.
    /// </summary>
    /// <param name="options">Null: the listener's options.</param>
    public static async Task<(WebSocketServer? Server, string? Err)> NewAsync(WebSocketRequest request, ServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        options ??= request.Core.Options;
        if (options.Validate() is { } invalid)
            return (null, invalid);
        if (request.Answered)
            return (null, "response header already sent");
        if (ServerHandshake.Validate(request.Head) is { } error)
        {
            request.Refusal = error;
            return (null, error.Message);
        }

        string? protocol = ServerHandshake.SelectSubprotocol(request.Headers, options.Protocols);
        byte[] response;
        try
        {
            response = ServerHandshake.BuildResponse(request.Headers["Sec-WebSocket-Key"]!, protocol, request.ResponseHeaders);
        }
        catch (ArgumentException bad)
        {
            return (null, bad.Message);
        }
        var server = new WebSocketServer(request.Core, options) { Protocol = protocol };
        request.Core.Framing.MaxPayloadLength = options.EffectiveMaxRecvLen;
        try
        {
            await request.Core.Handshake.AcceptAsync(response).ConfigureAwait(false);
        }
        catch (Exception failed)
        {
            return (null, "failed to send response header: " + SocketErrors.Describe(failed));
        }
        request.Core.Self.Tell(new ConnectionActor.Upgraded(request.Path, options));
        return (server, null);
    }

    /// <summary>
    /// The seed's <c>set_timeout(ms)</c>: the timeout of every later receive and send. Zero or
    /// negative means none.
    /// </summary>
    public void SetTimeout(TimeSpan timeout)
    {
        _timeout = timeout > TimeSpan.Zero ? timeout : null;
        _core.Self.Tell(new Connections.FrameConnectionActor.TimeoutChanged(_timeout));
    }

    /// <inheritdoc cref="SetTimeout(TimeSpan)"/>
    public void SetTimeout(int milliseconds) => SetTimeout(TimeSpan.FromMilliseconds(milliseconds));

    /// <summary>
    /// The seed's <c>recv_frame()</c>: the next frame, unreassembled, masking required (RFC 6455 §5.1).
    /// <c>(data, "text"|"binary"|"continuation"|"ping"|"pong", null|"again")</c>, or for a close
    /// frame <c>(reason, "close")</c> with <see cref="RecvFrameResult.Code"/>; on error <c>(null, null, err)</c>.
    /// </summary>
    public async Task<RecvFrameResult> RecvFrameAsync()
    {
        if (_fatal)
            return RecvFrameResult.Failure(FatalErrorAlreadyHappened);
        if (Interlocked.Exchange(ref _receiving, 1) != 0)
            return RecvFrameResult.Failure(SocketBusyReading);
        try
        {
            DecodeResult result;
            while (!_core.Incoming.TryRead(out result))
            {
                var cancellation = _core.Deadlines.ArmReceive(_timeout);
                try
                {
                    if (!await _core.Incoming.WaitToReadAsync(cancellation).ConfigureAwait(false))
                        return Fail(_core.Framing.Phase.Describe(SocketErrors.Closed));
                }
                catch (OperationCanceledException)
                {
                    // Not fatal, and the half-read frame stays in the decoder (D1).
                    return RecvFrameResult.Failure(_core.Framing.Phase.Describe(SocketErrors.Timeout));
                }
                finally
                {
                    _core.Deadlines.DisarmReceive();
                }
            }
            if (result.Status == DecodeStatus.Error)
                return Fail(result.Error!);
            var frame = RecvFrameResult.FromFrame(result.Frame);
            Publish(frame);
            return frame;
        }
        finally
        {
            Volatile.Write(ref _receiving, 0);
        }
    }

    public Task<SendResult> SendTextAsync(string text) => SendFrameAsync(true, (int)Opcode.Text, Encoding.UTF8.GetBytes(text));

    public Task<SendResult> SendTextAsync(ReadOnlyMemory<byte> utf8) => SendFrameAsync(true, (int)Opcode.Text, utf8);

    public Task<SendResult> SendBinaryAsync(ReadOnlyMemory<byte> data) => SendFrameAsync(true, (int)Opcode.Binary, data);

    public Task<SendResult> SendPingAsync(ReadOnlyMemory<byte> data = default) => SendFrameAsync(true, (int)Opcode.Ping, data);

    public Task<SendResult> SendPongAsync(ReadOnlyMemory<byte> data = default) => SendFrameAsync(true, (int)Opcode.Pong, data);

    /// <summary>The seed's <c>send_continue(data)</c>: the <em>final</em> continuation frame (FIN set).</summary>
    public Task<SendResult> SendContinueAsync(ReadOnlyMemory<byte> data) => SendFrameAsync(true, (int)Opcode.Continuation, data);

    /// <summary>
    /// The seed's <c>send_close(code, msg)</c>: a code over 0x7FFF returns <c>bad status code</c> at
    /// once (nothing sent, not fatal); without a code the payload is empty and the reason ignored.
    /// </summary>
    public Task<SendResult> SendCloseAsync(int? code = null, string? reason = null)
    {
        var (payload, err) = ClosePayload.Build(code, Encoding.UTF8.GetBytes(reason ?? ""));
        return err is not null ? Task.FromResult(SendResult.Failure(err)) : SendFrameAsync(true, (int)Opcode.Close, payload);
    }

    /// <summary>The seed's <c>send_frame(fin, opcode, payload)</c>. Any failure, validation included, is fatal.</summary>
    public async Task<SendResult> SendFrameAsync(bool fin, int opcode, ReadOnlyMemory<byte> payload)
    {
        if (_fatal)
            return SendResult.Failure(FatalErrorAlreadyHappened);
        if (Interlocked.Exchange(ref _sending, 1) != 0)
            return SendResult.Failure(SocketBusyWriting);
        try
        {
            if (FrameEncoder.ValidateSend(fin, opcode, payload.Length, _maxSendLen) is { } invalid)
                return FailSend(invalid);
            uint? key = _sendMasked ? (_keys ??= new MaskKeyGenerator()).Next() : null;
            var cancellation = _core.Deadlines.ArmSend(_timeout);
            try
            {
                // The payload is not copied when it is large and unmasked: it must not change until this returns.
                return new SendResult(await _core.WriteAsync(fin, opcode, payload, key, cancellation).ConfigureAwait(false), null);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                return FailSend(ProtocolErrors.FailedToSendFramePrefix + SocketErrors.Timeout);
            }
            catch (Exception error)
            {
                return FailSend(ProtocolErrors.FailedToSendFramePrefix + SocketErrors.Describe(error));
            }
            finally
            {
                _core.Deadlines.DisarmSend();
            }
        }
        finally
        {
            Volatile.Write(ref _sending, 0);
        }
    }

    private RecvFrameResult Fail(string err)
    {
        // The original: every receive error but a timeout is fatal.
        if (!err.Contains(": timeout", StringComparison.Ordinal))
            _fatal = true;
        return RecvFrameResult.Failure(err);
    }

    private SendResult FailSend(string err)
    {
        _fatal = true;
        return SendResult.Failure(err);
    }

    private void Publish(in RecvFrameResult frame)
    {
        var subscribers = _core.Subscribers;
        if (subscribers.IsEmpty)
            return;
        var received = new FrameReceived(_core.Id, frame);
        foreach (var subscriber in subscribers)
            subscriber.Tell(received, _core.Self);
    }
}
