using System.Security.Cryptography.X509Certificates;
using Cosocket.Actors.Connections;
using Cosocket.Protocol.Handshake;

namespace Cosocket.Actors.Client;

/// <summary>The options of the seed's <c>client:new(opts)</c> (docs/compatibility.md §3.2, D6). Every default lives here.</summary>
public sealed record ClientOptions() : FrameOptions(DefaultMaxPayloadLen)
{
    /// <summary>65536, as the seed document says (D6); the original's code says 65535.</summary>
    public const long DefaultMaxPayloadLen = 65536;

    /// <summary>Send unmasked frames. RFC 6455 §5.1: "a client MUST mask all frames that it sends to
    /// the server"; only for peers that ask for it.</summary>
    public bool SendUnmasked { get; init; }
}

/// <summary>The options of the seed's <c>connect(uri, opts)</c> (docs/compatibility.md §3.3) that this client has.</summary>
public sealed record ConnectOptions
{
    /// <summary>Sec-WebSocket-Protocol: joined with "," and no spaces, as the original does.</summary>
    public IReadOnlyList<string>? Protocols { get; init; }

    /// <summary>The Origin header.</summary>
    public string? Origin { get; init; }

    /// <summary>Complete "Name: value" lines sent after the built-in headers, as they are.</summary>
    public IReadOnlyList<string>? Headers { get; init; }

    /// <summary>The Host header, verbatim; default <c>host:port</c> of the URI (port always included).</summary>
    public string? Host { get; init; }

    /// <summary>Sec-WebSocket-Key; default 16 random bytes in base64.</summary>
    public string? Key { get; init; }

    /// <summary>The keepalive pool's name; default <c>host:port</c> (the socket path for Unix sockets).</summary>
    public string? Pool { get; init; }

    /// <summary>The pool's size when this connect creates it (default 30); with <see cref="Backlog"/>,
    /// also the most connections of the pool open at once.</summary>
    public int? PoolSize { get; init; }

    /// <summary>How many connects may wait for a slot when <see cref="PoolSize"/> connections are open.</summary>
    public int? Backlog { get; init; }

    /// <summary>Verify the server's certificate for <c>wss://</c>: on by default (D5, secure by default).</summary>
    public bool SslVerify { get; init; } = true;

    /// <summary>Certificates to trust instead of the system's store (a test CA, a private CA).</summary>
    public X509Certificate2Collection? SslTrustedCertificates { get; init; }

    /// <summary>The TLS server name (SNI, and the name verified): default the <see cref="Host"/>
    /// option without a port, else the URI's host (D7: a port is never put in SNI).</summary>
    public string? ServerName { get; init; }

    /// <summary>The client certificate for mutual TLS, PEM; needs <see cref="ClientPrivKey"/>.</summary>
    public string? ClientCert { get; init; }

    /// <summary>The client certificate's private key, PEM.</summary>
    public string? ClientPrivKey { get; init; }

    /// <summary>Largest response head accepted (D2): 16384.</summary>
    public int MaxHeaderLen { get; init; } = HttpHead.DefaultMaxHeaderLength;
}
