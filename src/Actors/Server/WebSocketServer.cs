using System.Text;
using Akka.Actor;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Sessions;
using Cosocket.Actors.Transport;
using Cosocket.Protocol;
using Cosocket.Protocol.Deflate;
using Cosocket.Protocol.Handshake;

namespace Cosocket.Actors.Server;

/// <summary>
/// The seed's <c>resty.websocket.server</c> object: <c>new</c>, <c>recv_frame</c>, the senders,
/// <c>set_timeout</c> and the public <c>fatal</c> flag (docs/compatibility.md §2), async, returning the seed's values
/// instead of throwing for protocol or network errors.
/// </summary>
/// <remarks>
/// Thread-safety (D10): one receive and one send may run at the same time; a second
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
    public const string FatalErrorAlreadyHappened = FrameSession.FatalErrorAlreadyHappened;
    public const string SocketBusyReading = FrameSession.SocketBusyReading;
    public const string SocketBusyWriting = FrameSession.SocketBusyWriting;

    private readonly ConnectionCore _core;
    private readonly FrameSession _session;
    private readonly MessageSession _messages;

    private WebSocketServer(ConnectionCore core, ServerOptions options)
    {
        _core = core;
        _session = new FrameSession(core.Connection, options.EffectiveMaxSendLen, options.Timeout);
        _messages = new MessageSession(_session, options);
    }

    /// <summary>The seed's public <c>fatal</c> field: set after a fatal error; every later call fails.</summary>
    public bool Fatal => _session.Fatal;

    /// <summary>The connection's id, unique to this connection.</summary>
    public string ConnectionId => _core.Id;

    /// <summary>The connection actor: <c>Tell</c> it to send, close or subscribe; watch it for the end of the connection.</summary>
    public IActorRef Connection => _core.Self;

    /// <summary>Who the connection was authenticated as before its upgrade (the user and the token's
    /// claims); null when anonymous.</summary>
    public ConnectionIdentity? Identity => _core.Identity;

    /// <summary>The subprotocol confirmed in the 101 response, or null.</summary>
    public string? Protocol { get; private init; }

    /// <summary>What the 101 response agreed of permessage-deflate, or null when it is not in use.</summary>
    public DeflateParameters? Compression { get; private init; }

    /// <summary>
    /// The seed's <c>server:new(opts)</c>: validates the upgrade request in the original's order
    /// (docs/compatibility.md §2.2), writes the 101 response with the handler's extra headers, and returns the object.
    /// On failure nothing is sent and the error is returned; the handler decides what to answer, and
    /// when it does not, the connection answers as D4 says.
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
        var deflate = NegotiateDeflate(request, options.Compression, out string? extensions);
        HandshakeResponse response;
        try
        {
            response = ServerHandshake.Accept(request.Head, protocol, request.ResponseHeaders, extensions);
        }
        catch (ArgumentException bad)
        {
            return (null, bad.Message);
        }
        var server = new WebSocketServer(request.Core, options) { Protocol = protocol, Compression = deflate };
        request.Core.Connection.Configure(options, options.SendMasked, deflate);
        try
        {
            await request.Core.Handshake.AcceptAsync(response).ConfigureAwait(false);
        }
        catch (Exception failed)
        {
            return (null, "failed to send response header: " + SocketErrors.Describe(failed));
        }
        // Told from here, not by the connection actor: once NewAsync returns, the registration is in the
        // registry's mailbox ahead of any lookup, so an id handed out now resolves at once.
        var core = request.Core;
        core.Registry.Tell(new ConnectionRegistry.Register(new ConnectionInfo(core.Id, core.RemoteEndPoint, request.Path, DateTimeOffset.UtcNow, core.Self, core.Identity)));
        core.Self.Tell(new ConnectionCore.Upgraded(request.Path, options));
        CosocketTelemetry.CountUpgrade(request.Head.Version);
        return (server, null);
    }

    /// <summary>
    /// permessage-deflate for this connection: the first offer the client made that <paramref name="compression"/>
    /// can accept. When the budget of compression contexts is spent, the server demands no context
    /// takeover of both sides (RFC 7692 §7.1.1), so that the connection holds no context of its own.
    /// </summary>
    private static DeflateParameters? NegotiateDeflate(WebSocketRequest request, CompressionOptions? compression, out string? extensions)
    {
        extensions = null;
        if (compression is null || !CompressionContexts.IsSupported)
            return null;
        var wishes = compression.Wishes;
        if (compression.Contexts.IsExhausted)
            wishes = wishes with { ServerNoContextTakeover = true, ClientNoContextTakeover = true };
        return DeflateNegotiation.Accept(request.Headers, wishes, out extensions);
    }

    /// <summary>
    /// The seed's <c>set_timeout(ms)</c>: the timeout of every later receive and send. Zero or
    /// negative means none.
    /// </summary>
    public void SetTimeout(TimeSpan timeout) => _session.SetTimeout(timeout);

    /// <inheritdoc cref="SetTimeout(TimeSpan)"/>
    public void SetTimeout(int milliseconds) => SetTimeout(TimeSpan.FromMilliseconds(milliseconds));

    /// <summary>
    /// The seed's <c>recv_frame()</c>: the next frame, unreassembled, masking required (RFC 6455 §5.1).
    /// <c>(data, "text"|"binary"|"continuation"|"ping"|"pong", null|"again")</c>, or for a close
    /// frame <c>(reason, "close")</c> with <see cref="RecvFrameResult.Code"/>; on error <c>(null, null, err)</c>.
    /// </summary>
    public Task<RecvFrameResult> RecvFrameAsync() => _session.RecvFrameAsync();

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
    public Task<SendResult> SendFrameAsync(bool fin, int opcode, ReadOnlyMemory<byte> payload) => _session.SendFrameAsync(fin, opcode, payload);

    /// <summary>
    /// The message layer: the next whole message, reassembled from its fragments and validated as
    /// RFC 6455 requires (UTF-8 text checked as it arrives, close codes, fragment order, RSV bits,
    /// <see cref="MessageOptions.MaxMessageLen"/>). Pings are answered and pongs skipped on the way.
    /// A violation fails the connection: the close frame (1002, 1007 or 1009) is sent, the connection
    /// closed, and the error returned with that code. The peer's close is answered (its code echoed)
    /// and returned as type <c>"close"</c>. A receive timeout is not fatal and keeps a partial message.
    /// Not to be mixed with <see cref="RecvFrameAsync"/> on one connection: the first receive picks the API.
    /// </summary>
    public Task<MessageResult> ReceiveMessageAsync() => _messages.ReceiveAsync().AsTask();

    /// <summary>
    /// The connection's messages one after another, for <c>await foreach</c>: it ends at the peer's
    /// close (answered by then) or at an error, which it waits through only when it is a receive
    /// timeout (those are not fatal). What ended it: <see cref="Fatal"/>, or the close.
    /// </summary>
    public async IAsyncEnumerable<MessageResult> ReadMessagesAsync()
    {
        while (true)
        {
            var message = await _messages.ReceiveAsync().ConfigureAwait(false);
            if (message.Kind == ErrorKind.Timeout)
                continue;
            if (message.IsError || message.Type == MessageResult.CloseType)
                yield break;
            yield return message;
        }
    }

    /// <summary>Sends a text message, in frames of at most <see cref="MessageOptions.FragmentSize"/>.</summary>
    public Task<SendResult> SendMessageAsync(string text) => _messages.SendAsync(Opcode.Text, Encoding.UTF8.GetBytes(text));

    /// <summary>Sends a binary message, or, with <paramref name="text"/>, UTF-8 bytes as a text message
    /// (refused unless valid UTF-8), in frames of at most <see cref="MessageOptions.FragmentSize"/>.</summary>
    public Task<SendResult> SendMessageAsync(ReadOnlyMemory<byte> data, bool text = false) =>
        _messages.SendAsync(text ? Opcode.Text : Opcode.Binary, data);

    /// <summary>Sends a message received by <see cref="ReceiveMessageAsync"/> (here or on another
    /// connection) as it came: a text message is not checked for UTF-8 again.</summary>
    public Task<SendResult> SendMessageAsync(MessageResult message) => _messages.SendAsync(message);

    /// <summary>
    /// The close handshake (RFC 6455 §7): sends a close with <paramref name="code"/> (one valid on the
    /// wire) and <paramref name="reason"/> (at most 123 UTF-8 bytes), waits up to the close timeout
    /// for the peer's close, then closes TCP. Returns the peer's code and reason.
    /// </summary>
    public Task<CloseResult> CloseHandshakeAsync(int code = CloseStatus.NormalClosure, string? reason = null) => _messages.CloseAsync(code, reason);
}
