using System.Text;
using Akka.Actor;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Server;
using Cosocket.Actors.Transport;
using Cosocket.Protocol;
using Cosocket.Protocol.Framing;
using Cosocket.Protocol.Handshake;

namespace Cosocket.Actors.Client;

/// <summary>
/// The seed's <c>resty.websocket.client</c> object (spec §3): <c>new</c>, <c>connect</c>,
/// <c>recv_frame</c>, the senders, <c>send_close</c>, <c>close</c>, <c>set_timeout</c>, and the
/// <c>fatal</c> and <c>closed</c> flags, async, returning the seed's values instead of throwing for
/// protocol or network errors. Each connection is a <see cref="ClientConnectionActor"/>.
/// </summary>
/// <remarks>
/// Thread-safety as <see cref="WebSocketServer"/>: one receive and one send at a time (D10), and code
/// awaiting these methods may resume on the connection's stream thread, so it must not block.
/// Not yet: <c>wss://</c>, the keepalive pool (<c>pool</c>, <c>pool_size</c>, <c>backlog</c>,
/// <c>set_keepalive</c>) and the TLS options.
/// </remarks>
public sealed class WebSocketClient
{
    public const string NotInitialized = "not initialized";
    public const string NotInitializedYet = "not initialized yet";
    public const string AlreadyClosed = "already closed";
    /// <summary>Said by <see cref="ConnectAsync"/> for a <c>wss://</c> URI until TLS is in.</summary>
    public const string WssNotSupportedYet = "failed to connect: wss is not supported yet";

    private readonly ActorSystem _system;
    private readonly ClientOptions _options;
    private FrameSession? _session;
    private volatile bool _closed;
    private volatile bool _socketClosed;

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

    /// <summary>The seed's <c>fatal</c> flag.</summary>
    public bool Fatal => _session?.Fatal ?? false;

    /// <summary>The seed's <c>closed</c> flag: set by <see cref="SendCloseAsync"/>, whether the send worked or not.</summary>
    public bool Closed => _closed;

    /// <summary>The connection actor once connected: <c>Tell</c> it to send, close or subscribe.</summary>
    public IActorRef? Connection => _session?.Connection.Self;

    /// <summary>
    /// The seed's <c>connect(uri, opts)</c> → <c>ok, err, res</c>. The request is the original's byte
    /// for byte (spec §3.3 step 12); the response must be a 101 with the right Sec-WebSocket-Accept
    /// and the other checks of RFC 6455 §4.1 (D2). Connecting, sending the request and receiving the
    /// response are each bounded by the <c>timeout</c>.
    /// </summary>
    public async Task<ConnectResult> ConnectAsync(string uri, ConnectOptions? options = null)
    {
        options ??= new ConnectOptions();
        if (!WebSocketUri.TryParse(uri, out var target, out string? uriError))
            return ConnectResult.Failure(uriError);
        if (target.IsSecure)
            return ConnectResult.Failure(WssNotSupportedYet);
        if (options.MaxHeaderLen <= 0)
            return ConnectResult.Failure("max_header_len must be positive");

        string key = options.Key ?? HandshakeKeys.NewKey();
        string? protocols = options.Protocols is { Count: > 0 } list ? ClientRequest.JoinProtocols(list) : null;
        var (request, requestError) = ClientHandshake.BuildRequest(
            new ClientRequest(target.Path, options.Host ?? target.DefaultHostHeader, key, protocols, options.Origin, options.Headers));
        if (request is null)
            return ConnectResult.Failure(requestError!);

        var supervisor = CosocketClients.Get(_system).Supervisor;
        var opened = await supervisor.Ask<ClientSupervisor.Opened>(new ClientSupervisor.Open()).ConfigureAwait(false);
        var outcome = await opened.Connection.Ask<object>(
            new ClientConnectionActor.Connect(target, request, key, protocols, options.MaxHeaderLen, _options)).ConfigureAwait(false);
        switch (outcome)
        {
            case ClientConnectionActor.Connected connected:
                _session = new FrameSession(connected.Connection, _options.EffectiveMaxSendLen, !_options.SendUnmasked, _options.Timeout);
                _socketClosed = false;
                return new ConnectResult(1, null, connected.RawHeader);
            case ClientConnectionActor.ConnectFailed failed:
                return ConnectResult.Failure(failed.Err, failed.RawHeader);
            default:
                return ConnectResult.Failure("failed to connect: " + outcome);
        }
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
    public Task<RecvFrameResult> RecvFrameAsync()
    {
        if (_session is null)
            return Task.FromResult(RecvFrameResult.Failure(Fatal ? FrameSession.FatalErrorAlreadyHappened : NotInitializedYet));
        if (_socketClosed && !_session.Fatal)
        {
            _session.SetFatal();
            return Task.FromResult(RecvFrameResult.Failure(ReadPhase.FirstTwoBytes.Describe(SocketErrors.Closed)));
        }
        return _session.RecvFrameAsync();
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
        _session.Connection.Self.Tell(new ClientConnectionActor.Shutdown());
        return (1, null);
    }
}
