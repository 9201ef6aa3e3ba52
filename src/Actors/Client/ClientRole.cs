using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.IO;
using Akka.Streams;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Sessions;
using Cosocket.Actors.Transport;
using Cosocket.Protocol;
using Cosocket.Protocol.Deflate;
using Cosocket.Protocol.Handshake;

namespace Cosocket.Actors.Client;

/// <summary>
/// How a client connection opens, in its <see cref="ConnectionActor"/>. Told to
/// <see cref="Connect"/>, it opens the TCP (or Unix domain) socket, writes the handshake request and
/// reads the response head, each step bounded by the <c>timeout</c> through a timer; then it starts
/// the connection's graph. It answers <see cref="Connected"/> or <see cref="ConnectFailed"/>; between
/// owners it rests in a pool (<see cref="EnterIdle"/>, <see cref="LeaveIdle"/>).
/// </summary>
internal sealed class ClientRole : ConnectionRole
{
    internal sealed record Connect(WebSocketUri Uri, byte[] Request, string Key, string? OfferedProtocols, int MaxHeaderLen, ClientOptions Options, TlsSettings? Tls,
        DeflateParameters? OfferedDeflate);

    /// <summary>What a <c>wss://</c> connect needs: the server name (SNI), verification, a client certificate.</summary>
    internal sealed record TlsSettings(string ServerName, bool Verify, X509Certificate2Collection? Trusted, X509Certificate2? ClientCertificate);
    internal sealed record Connected(FrameConnection Connection, string RawHeader, DeflateParameters? Deflate);
    internal sealed record ConnectFailed(string Err, string? RawHeader);

    private enum Step { Connecting, TlsHandshake, SendingRequest, ReceivingResponse }

    private sealed record StepStarted(Step Step);
    private sealed record StepTimedOut(Step Step);
    private sealed record Handshaked(Stream Stream, Socket Socket, ByteString AlreadyRead, string RawHeader, DeflateParameters? Deflate);

    private readonly string _id;
    private readonly IMaterializer _materializer;
    private FrameConnection? _connection;
    private ClientOptions? _options;
    private Socket? _socket;
    private CancellationTokenSource? _connecting;
    private Step _step;
    private IActorRef _replyTo = ActorRefs.Nobody;

    public ClientRole(string id, IMaterializer materializer)
    {
        _id = id;
        _materializer = materializer;
    }

    public override bool Receive(object message)
    {
        switch (message)
        {
            case Connect m:
                OnConnect(m);
                break;
            case StepStarted m:
                _step = m.Step;
                RestartStepTimer();
                break;
            case StepTimedOut m:
                if (m.Step == _step)
                    _connecting?.Cancel();
                break;
            case Handshaked m:
                OnHandshaked(m);
                break;
            case ConnectFailed m:
                _replyTo.Tell(m);
                Actor.StopSelf();
                break;
            case EnterIdle m:
                OnEnterIdle(m);
                break;
            case LeaveIdle:
                _idleWatch?.Cancel();
                _idleWatch = null;
                break;
            default:
                return false;
        }
        return true;
    }

    private void OnEnterIdle(EnterIdle idle)
    {
        if (_connection is null)
            return;
        _idleWatch = new CancellationTokenSource();
        var self = Actor.SelfRef;
        var pools = idle.Pools;
        _connection.Incoming.WaitToReadAsync(_idleWatch.Token).AsTask().ContinueWith(
            wait => { if (!wait.IsCanceled) pools.Tell(new ConnectionPools.IdleDisturbed(self)); },
            TaskContinuationOptions.ExecuteSynchronously);
    }

    public static Props Props(string id, IMaterializer materializer) =>
        ConnectionActor.Props(new ClientRole(id, materializer));

    public override FrameConnection? Connection => _connection;

    public override SendPolicy? Sending => _connection is not null && _options is { } options
        ? SendPolicy.Of(options)
        : null;

    /// <summary>The connection rests in a pool: anything the peer sends or an end of input makes it
    /// unusable, and <paramref name="Pools"/> is told so.</summary>
    internal sealed record EnterIdle(IActorRef Pools);

    /// <summary>The connection leaves the pool for a new owner.</summary>
    internal sealed record LeaveIdle;

    private CancellationTokenSource? _idleWatch;

    public override void PostStop()
    {
        if (_connection is null)
            _socket?.Dispose();
        _connecting?.Dispose();
        _idleWatch?.Dispose();
    }

    private void OnConnect(Connect connect)
    {
        _replyTo = Actor.CurrentSender;
        _options = connect.Options;
        _connecting = new CancellationTokenSource();
        _step = Step.Connecting;
        RestartStepTimer();
        _socket = connect.Uri.UnixSocketPath is not null
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        ConnectAsync(connect, _socket, Actor.SelfRef, _connecting.Token).PipeTo(Actor.SelfRef);
    }

    private void RestartStepTimer()
    {
        if (_options?.Timeout is { } timeout && timeout > TimeSpan.Zero)
            Actor.Timers.StartSingleTimer("step", new StepTimedOut(_step), timeout);
    }

    /// <summary>Runs outside the actor: it only reports back through messages.</summary>
    private static async Task<object> ConnectAsync(Connect connect, Socket socket, IActorRef self, CancellationToken cancellation)
    {
        var uri = connect.Uri;
        string prefix = "failed to connect: ";
        try
        {
            if (uri.UnixSocketPath is { } path)
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellation).ConfigureAwait(false);
            else
                await socket.ConnectAsync(uri.Host, uri.Port, cancellation).ConfigureAwait(false);

            Stream stream = new NetworkStream(socket, ownsSocket: true);
            if (connect.Tls is { } tls)
            {
                self.Tell(new StepStarted(Step.TlsHandshake));
                prefix = "ssl handshake failed: ";
                stream = await TlsHandshakeAsync(stream, tls, cancellation).ConfigureAwait(false);
            }
            self.Tell(new StepStarted(Step.SendingRequest));
            prefix = "failed to send the handshake request: ";
            await stream.WriteAsync(connect.Request, cancellation).ConfigureAwait(false);

            self.Tell(new StepStarted(Step.ReceivingResponse));
            prefix = ProtocolErrors.FailedToReceiveResponseHeaderPrefix;
            var buffer = new byte[4096];
            int filled = 0;
            while (true)
            {
                var response = ClientHandshake.TryReadResponse(buffer.AsSpan(0, filled), connect.Key, connect.OfferedProtocols, connect.MaxHeaderLen, connect.OfferedDeflate);
                if (response.Status == HeadReadStatus.Failed)
                    return new ConnectFailed(response.Error!, response.RawHeader);
                if (response.Status == HeadReadStatus.Complete)
                    return new Handshaked(stream, socket, ByteString.FromBytes(buffer[response.Consumed..filled]), response.RawHeader!, response.Deflate);
                if (filled == buffer.Length)
                    Array.Resize(ref buffer, buffer.Length * 2);
                int read = await stream.ReadAsync(buffer.AsMemory(filled), cancellation).ConfigureAwait(false);
                if (read == 0)
                    return new ConnectFailed(prefix + SocketErrors.Closed, null);
                filled += read;
            }
        }
        catch (OperationCanceledException)
        {
            return new ConnectFailed(prefix + SocketErrors.Timeout, null);
        }
        catch (IOException error) when (prefix == "ssl handshake failed: " && error.InnerException is not SocketException)
        {
            return new ConnectFailed(prefix + error.Message, null);
        }
        catch (System.Security.Authentication.AuthenticationException error) when (prefix == "ssl handshake failed: ")
        {
            // The server answered, but not in TLS: a plain port (which refuses the ClientHello at once).
            return new ConnectFailed($"{prefix}{error.Message} (the server did not answer in TLS: is it a ws:// port?)", null);
        }
        catch (Exception error)
        {
            return new ConnectFailed(prefix + SocketErrors.Describe(error), null);
        }
    }

    /// <summary>The client side of TLS. A verification failure is worded as OpenSSL words it.</summary>
    private static async Task<Stream> TlsHandshakeAsync(Stream inner, TlsSettings tls, CancellationToken cancellation)
    {
        string? failure = null;
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false, (_, certificate, chain, errors) =>
        {
            if (!tls.Verify)
                return true;
            if (tls.Trusted is { } trusted && certificate is not null && errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
            {
                // A custom trust store: build the chain against it alone.
                using var custom = new X509Chain();
                custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                custom.ChainPolicy.CustomTrustStore.AddRange(trusted);
                custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                bool valid = custom.Build(new X509Certificate2(certificate));
                errors &= ~SslPolicyErrors.RemoteCertificateChainErrors;
                if (!valid)
                    errors |= SslPolicyErrors.RemoteCertificateChainErrors;
                chain = custom;
                failure = TlsErrors.Describe(certificate, custom, errors);
                return failure is null;
            }
            failure = TlsErrors.Describe(certificate, chain, errors);
            return failure is null;
        });
        try
        {
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = tls.ServerName,
                ClientCertificates = tls.ClientCertificate is null ? null : [tls.ClientCertificate],
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            }, cancellation).ConfigureAwait(false);
            return ssl;
        }
        catch (Exception error) when (failure is not null && error is not OperationCanceledException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new IOException(failure, error);
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private void OnHandshaked(Handshaked done)
    {
        Actor.Timers.Cancel("step");
        var options = _options!;
        _connection = FrameConnection.StartClient(_id, done.Socket.RemoteEndPoint, Actor.SelfRef, done.Stream,
            () => done.Socket.Shutdown(SocketShutdown.Send), done.AlreadyRead, options, !options.SendUnmasked, done.Deflate, _materializer);
        Actor.StopWhenClosed(_connection);
        _replyTo.Tell(new Connected(_connection, done.RawHeader, done.Deflate));
    }
}
