using System.Security.Cryptography.X509Certificates;
using System.Text;
using Akka.Actor;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Server;
using Cosocket.Actors.Sessions;
using Cosocket.Actors.Transport;
using Cosocket.Protocol;
using Cosocket.Protocol.Deflate;
using Cosocket.Protocol.Framing;
using Cosocket.Protocol.Handshake;

namespace Cosocket.Actors.Client;

/// <summary>
/// The seed's <c>resty.websocket.client</c> object (docs/compatibility.md §3): <c>new</c>, <c>connect</c>,
/// <c>recv_frame</c>, the senders, <c>send_close</c>, <c>close</c>, <c>set_timeout</c>, and the
/// <c>fatal</c> and <c>closed</c> flags, async, returning the seed's values instead of throwing for
/// protocol or network errors. Each connection is a <see cref="ClientRole"/>.
/// </summary>
/// <remarks>
/// Thread-safety as <see cref="WebSocketServer"/>: one receive and one send at a time (D10), and code
/// awaiting these methods may resume on the connection's stream thread, so it must not block.
/// </remarks>
public sealed class WebSocketClient
{
    public const string NotInitialized = "not initialized";
    public const string NotInitializedYet = "not initialized yet";
    public const string AlreadyClosed = "already closed";
    public const string ClientPrivKeyRequired = "client_priv_key must be provided with client_cert";

    private readonly ActorSystem _system;
    private readonly ClientOptions _options;
    private FrameSession? _session;
    private MessageSession? _messages;
    private string? _poolKey;
    private volatile bool _closed;
    private volatile bool _socketClosed;
    private volatile bool _fatalBefore;
    private volatile bool _closeReceived;

    private WebSocketClient(ActorSystem system, ClientOptions options)
    {
        _system = system;
        _options = options;
    }

    /// <summary>The seed's <c>client:new(opts)</c>.</summary>
    public static (WebSocketClient? Client, string? Err) New(ActorSystem system, ClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        options ??= new ClientOptions();
        return options.Validate() is { } err ? (null, err) : (new WebSocketClient(system, options), null);
    }

    /// <summary>The seed's <c>fatal</c> flag; a later <c>connect</c> does not reset it, as in the original.</summary>
    public bool Fatal => _fatalBefore || (_session?.Fatal ?? false);

    /// <summary>The seed's <c>closed</c> flag: set by <see cref="SendCloseAsync"/>, whether the send worked or not.</summary>
    public bool Closed => _closed;

    /// <summary>The established connection, for tests that need to wait on its queues.</summary>
    internal FrameConnection? Established => _session?.Connection;

    /// <summary>What the server agreed of permessage-deflate, or null when it is not in use.</summary>
    public DeflateParameters? Compression => _session?.Connection.Compression;

    /// <summary>The connection actor once connected: <c>Tell</c> it to send, close or subscribe.</summary>
    public IActorRef? Connection => _session?.Connection.Self;

    /// <summary>
    /// The seed's <c>connect(uri, opts)</c> → <c>ok, err, res</c>. The request is the original's byte
    /// for byte (docs/compatibility.md §3.3); the response must be a 101 with the right Sec-WebSocket-Accept
    /// and the other checks of RFC 6455 §4.1 (D2). Connecting, sending the request and receiving the
    /// response are each bounded by the <c>timeout</c>. An idle connection of the same pool is
    /// reused instead: no handshake, and <c>res</c> is <c>connection reused</c>.
    /// </summary>
    public async Task<ConnectResult> ConnectAsync(string uri, ConnectOptions? options = null)
    {
        options ??= new ConnectOptions();
        if (!WebSocketUri.TryParse(uri, out var target, out string? uriError))
            return ConnectResult.Failure(uriError);
        if (options.MaxHeaderLen <= 0)
            return ConnectResult.Failure("max_header_len must be positive");
        if (options.PoolSize is <= 0 || options.Backlog is < 0)
            return ConnectResult.Failure("pool_size must be positive and backlog not negative");

        string key = options.Key ?? HandshakeKeys.NewKey();
        string? protocols = options.Protocols is { Count: > 0 } list ? ClientRequest.JoinProtocols(list) : null;
        // permessage-deflate is offered when this client's options ask for it, unless the caller
        // wrote its own Sec-WebSocket-Extensions line (then any extension the server answers fails).
        var deflate = _options.Compression is { } compression && CompressionContexts.IsSupported
            && !(options.Headers ?? []).Any(line => line.StartsWith(ExtensionHeader.Name + ":", StringComparison.OrdinalIgnoreCase))
            ? compression.Wishes
            : null;
        IReadOnlyList<string>? headers = deflate is null ? options.Headers : [.. options.Headers ?? [], $"{ExtensionHeader.Name}: {DeflateNegotiation.Offer(deflate)}"];
        var (request, requestError) = ClientHandshake.BuildRequest(
            new ClientRequest(target.Path, options.Host ?? target.DefaultHostHeader, key, protocols, options.Origin, headers));
        if (request is null)
            return ConnectResult.Failure(requestError!);

        var (tls, tlsError) = TlsFor(target, options);
        if (tlsError is not null)
            return ConnectResult.Failure(tlsError);

        string poolKey = options.Pool ?? target.DefaultPoolKey;
        var acquired = await CosocketClients.Get(_system).Pools
            .Ask<object>(new ConnectionPools.Acquire(poolKey, options.PoolSize, options.Backlog, _options.Timeout)).ConfigureAwait(false);
        object outcome = acquired switch
        {
            ConnectionPools.Reuse reuse => reuse,
            ConnectionPools.OpenNew open => await open.Connection.Ask<object>(
                new ClientRole.Connect(target, request, key, protocols, options.MaxHeaderLen, _options, tls, deflate)).ConfigureAwait(false),
            _ => acquired,
        };
        switch (outcome)
        {
            case ConnectionPools.Reuse reuse:
                reuse.Established.Protocol.Rest(false); // before this owner's first receive picks the mode
                Attach(reuse.Established, poolKey);
                return new ConnectResult(1, null, "connection reused");
            case ClientRole.Connected connected:
                Attach(connected.Connection, poolKey);
                return new ConnectResult(1, null, connected.RawHeader);
            case ConnectionPools.AcquireFailed failed:
                return ConnectResult.Failure(failed.Err);
            case ClientRole.ConnectFailed failed:
                return ConnectResult.Failure(failed.Err, failed.RawHeader);
            default:
                return ConnectResult.Failure("failed to connect: " + outcome);
        }
    }

    /// <summary>
    /// The TLS settings of a <c>wss://</c> connect. SNI (D7): the <c>server_name</c> option, else the
    /// <c>host</c> option without its port, else the URI's host; a port never goes into SNI.
    /// </summary>
    private static (ClientRole.TlsSettings? Tls, string? Err) TlsFor(WebSocketUri target, ConnectOptions options)
    {
        // Checked for ws:// too, as the original checks its options before looking at the scheme.
        if (options.ClientCert is not null && options.ClientPrivKey is null)
            return (null, ClientPrivKeyRequired);
        if (!target.IsSecure)
            return (null, null);
        X509Certificate2? certificate = null;
        if (options.ClientCert is not null)
        {
            try
            {
                certificate = X509Certificate2.CreateFromPem(options.ClientCert, options.ClientPrivKey);
            }
            catch (Exception bad) when (bad is System.Security.Cryptography.CryptographicException or ArgumentException)
            {
                return (null, "failed to set TLS client certificate: " + bad.Message);
            }
        }
        string serverName = options.ServerName
            ?? (options.Host is { } host ? HostWithoutPort(host) : target.Host);
        return (new ClientRole.TlsSettings(serverName, options.SslVerify, options.SslTrustedCertificates, certificate), null);
    }

    private static string HostWithoutPort(string host)
    {
        if (host.StartsWith('['))
            return host[1..host.IndexOf(']')];
        int colon = host.LastIndexOf(':');
        return colon > 0 && host.IndexOf(':') == colon ? host[..colon] : host;
    }

    private void Attach(FrameConnection connection, string poolKey)
    {
        _fatalBefore = Fatal;
        _session = new FrameSession(connection, _options.EffectiveMaxSendLen, _options.Timeout);
        _messages = new MessageSession(_session, _options);
        _poolKey = poolKey;
        _socketClosed = false;
        _closeReceived = false;
    }

    /// <summary>
    /// The seed's <c>set_keepalive(max_idle_timeout, pool_size)</c>: puts the connection into its
    /// pool for a later <c>connect</c> with the same pool, and this object behaves as closed. It
    /// refuses, with ngx_lua's own words (D9), a connection that cannot be reused: <c>closed</c>,
    /// <c>unread data in buffer</c>, or <c>invalid connection</c> (after a fatal error, the end of
    /// input, or a close frame sent or received).
    /// </summary>
    /// <param name="maxIdleTimeout">How long it may rest unused: null is 60 s, zero is forever.</param>
    /// <param name="poolSize">The pool's size if this creates the pool (default 30).</param>
    public async Task<(int? Ok, string? Err)> SetKeepaliveAsync(TimeSpan? maxIdleTimeout = null, int? poolSize = null)
    {
        if (_session is null)
            return (null, NotInitialized);
        if (_socketClosed)
            return (null, SocketErrors.Closed);
        var connection = _session.Connection;
        if (Fatal || _closed || _closeReceived || _messages!.IsClosing || connection.Incoming.IsCompleted)
            return (null, "invalid connection");
        if (connection.Incoming.Count > 0 || connection.Protocol.HasPendingInput || !connection.Protocol.AtFrameBoundary || _messages.InMessage)
            return (null, "unread data in buffer");
        _socketClosed = true;
        // No keepalive pong to count as a disturbance; anything that arrives is handed on, and makes it unusable.
        connection.Protocol.Rest(true);
        await CosocketClients.Get(_system).Pools.Ask<ConnectionPools.Released>(
            new ConnectionPools.Release(_poolKey!, connection.Self, connection, maxIdleTimeout, poolSize)).ConfigureAwait(false);
        return (1, null);
    }

    /// <summary>The seed's <c>set_timeout(ms)</c>: null, or <c>not initialized yet</c> before a connect.</summary>
    public string? SetTimeout(int milliseconds)
    {
        if (_session is null)
            return NotInitializedYet;
        _session.SetTimeout(TimeSpan.FromMilliseconds(milliseconds));
        return null;
    }

    /// <summary>The seed's <c>recv_frame()</c>: masked and unmasked frames are both accepted (cs.t TEST 15).
    /// It does not look at <see cref="Closed"/>: the server's close reply can still be read.</summary>
    public async Task<RecvFrameResult> RecvFrameAsync()
    {
        if (Fatal)
            return RecvFrameResult.Failure(FrameSession.FatalErrorAlreadyHappened, ErrorKind.Refused);
        if (_session is null)
            return RecvFrameResult.Failure(NotInitializedYet, ErrorKind.Refused);
        if (_socketClosed)
        {
            _session.SetFatal();
            return RecvFrameResult.Failure(ReadPhase.FirstTwoBytes.Describe(SocketErrors.Closed), ErrorKind.Closed);
        }
        var frame = await _session.RecvFrameAsync().ConfigureAwait(false);
        if (frame.Type == "close")
            _closeReceived = true;
        return frame;
    }

    public Task<SendResult> SendTextAsync(string text) => SendFrameAsync(true, (int)Opcode.Text, Encoding.UTF8.GetBytes(text));

    public Task<SendResult> SendBinaryAsync(ReadOnlyMemory<byte> data) => SendFrameAsync(true, (int)Opcode.Binary, data);

    public Task<SendResult> SendPingAsync(ReadOnlyMemory<byte> data = default) => SendFrameAsync(true, (int)Opcode.Ping, data);

    public Task<SendResult> SendPongAsync(ReadOnlyMemory<byte> data = default) => SendFrameAsync(true, (int)Opcode.Pong, data);

    /// <summary>The seed's <c>send_frame(fin, opcode, payload)</c>, checked in its order: fatal, closed, not initialized.</summary>
    public Task<SendResult> SendFrameAsync(bool fin, int opcode, ReadOnlyMemory<byte> payload)
    {
        if (Fatal)
            return Task.FromResult(SendResult.Failure(FrameSession.FatalErrorAlreadyHappened));
        if (_closed)
            return Task.FromResult(SendResult.Failure(AlreadyClosed)); // fatal only through send_close, as in the original
        if (_session is null)
            return Task.FromResult(SendResult.Failure(NotInitializedYet));
        if (_socketClosed)
        {
            _session.SetFatal();
            return Task.FromResult(SendResult.Failure(ProtocolErrors.FailedToSendFramePrefix + SocketErrors.Closed));
        }
        return _session.SendFrameAsync(fin, opcode, payload);
    }

    /// <summary>
    /// The seed's <c>send_close(code, msg)</c>: <c>bad status code</c> over 0x7FFF (nothing sent, no
    /// flag changed); otherwise <see cref="Closed"/> is set whether the send works or not, and a
    /// failed send is fatal.
    /// </summary>
    public async Task<SendResult> SendCloseAsync(int? code = null, string? reason = null)
    {
        var (payload, err) = ClosePayload.Build(code, Encoding.UTF8.GetBytes(reason ?? ""));
        if (err is not null)
            return SendResult.Failure(err);
        var sent = await SendFrameAsync(true, (int)Opcode.Close, payload).ConfigureAwait(false);
        if (sent.Err is not null)
            _session?.SetFatal();
        _closed = true;
        return sent;
    }

    /// <summary>
    /// The seed's <c>close()</c>: sends a close frame when none was sent, then closes this side of
    /// the connection (what is queued is written first; the server then has the close timeout to
    /// close its side). Refuses when fatal; does not wait for the server's close frame.
    /// </summary>
    public async Task<(int? Ok, string? Err)> CloseAsync()
    {
        if (Fatal)
            return (null, FrameSession.FatalErrorAlreadyHappened);
        if (_session is null)
            return (null, NotInitialized);
        if (_socketClosed)
            return (null, SocketErrors.Closed);
        if (!_closed)
        {
            var (bytes, err) = await SendCloseAsync().ConfigureAwait(false);
            if (bytes is null)
                return (null, "failed to send close frame: " + err);
        }
        _socketClosed = true;
        _session.Connection.Self.Tell(new ConnectionActor.Shutdown());
        return (1, null);
    }

    /// <summary>
    /// The message layer (see <see cref="WebSocketServer.ReceiveMessageAsync"/>): the next whole,
    /// validated message; pings answered; the server's close answered and returned as <c>"close"</c>,
    /// after which this side waits for the server to close TCP (RFC 6455 §7.1.1). Not to be mixed with
    /// <see cref="RecvFrameAsync"/> on one connection.
    /// </summary>
    public Task<MessageResult> ReceiveMessageAsync()
    {
        if (_messages is null)
            return Task.FromResult(MessageResult.Failure(NotInitializedYet, ErrorKind.Refused));
        if (_socketClosed)
            return Task.FromResult(MessageResult.Failure(SocketErrors.Closed, ErrorKind.Closed));
        return _messages.ReceiveAsync().AsTask();
    }

    /// <summary>Sends a text message, in masked frames of at most <see cref="MessageOptions.FragmentSize"/>.</summary>
    public Task<SendResult> SendMessageAsync(string text) => SendMessageAsync(Encoding.UTF8.GetBytes(text), text: true);

    /// <summary>Sends a binary message, or, with <paramref name="text"/>, UTF-8 bytes as a text message.</summary>
    public Task<SendResult> SendMessageAsync(ReadOnlyMemory<byte> data, bool text = false) =>
        RefuseMessageSend() is { } err ? Task.FromResult(SendResult.Failure(err)) : _messages!.SendAsync(text ? Opcode.Text : Opcode.Binary, data);

    /// <summary>Sends a message received by <see cref="ReceiveMessageAsync"/> (here or on another
    /// connection) as it came: a text message is not checked for UTF-8 again.</summary>
    public Task<SendResult> SendMessageAsync(MessageResult message) =>
        RefuseMessageSend() is { } err ? Task.FromResult(SendResult.Failure(err)) : _messages!.SendAsync(message);

    private string? RefuseMessageSend() =>
        _messages is null ? NotInitializedYet
        : _closed ? AlreadyClosed
        : _socketClosed ? SocketErrors.Closed
        : null;

    /// <summary>
    /// The close handshake (see <see cref="WebSocketServer.CloseHandshakeAsync"/>): the server's code and
    /// reason once it has answered; the connection is then closed once the server has closed TCP, or
    /// after the close timeout.
    /// </summary>
    public async Task<CloseResult> CloseHandshakeAsync(int code = CloseStatus.NormalClosure, string? reason = null)
    {
        if (_messages is null)
            return CloseResult.Failure(NotInitialized);
        if (_socketClosed)
            return CloseResult.Failure(SocketErrors.Closed);
        var result = await _messages.CloseAsync(code, reason).ConfigureAwait(false);
        _closed = true;
        return result;
    }
}
