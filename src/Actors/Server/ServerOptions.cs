using Akka.Configuration;
using Cosocket.Actors.Connections;

namespace Cosocket.Actors.Server;

/// <summary>
/// The options of the seed's <c>server:new(opts)</c> (docs/compatibility.md §2.2) and Cosocket's handshake
/// limits (D3, D4). Every default lives here; <c>akka.hocon</c> documents the same values.
/// </summary>
public sealed record ServerOptions() : FrameOptions(DefaultMaxPayloadLen)
{
    /// <summary>The seed's server default for <c>max_payload_len</c>.</summary>
    public const long DefaultMaxPayloadLen = 65535;

    /// <summary>Send masked frames (off: RFC 6455 §5.1 says a server MUST NOT mask).</summary>
    public bool SendMasked { get; init; }

    /// <summary>Supported subprotocols in preference order (D3); null echoes the client's first.</summary>
    public IReadOnlyList<string>? Protocols { get; init; }

    /// <summary>Largest request head: 16384 bytes; larger is answered 431 (D4).</summary>
    public int MaxHeaderLen { get; init; } = Cosocket.Protocol.Handshake.HttpHead.DefaultMaxHeaderLength;

    /// <summary>Time a client has to finish its handshake: 10 s (D4).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A peer that vanishes without closing (its host gone, a cable cut, a NAT entry dropped) is
    /// detected within this, by TCP itself, with no timer of ours: keepalive probes start once the
    /// connection has been silent for half of it, one every eighth of it, and four unanswered end the
    /// connection; data sent and left unacknowledged this long ends it too (<c>TCP_USER_TIMEOUT</c>,
    /// on Linux). 60 s. Null leaves the OS defaults (no keepalive; unacknowledged data given up after
    /// about 15 minutes). The message layer's <c>ping-interval</c> also detects a peer that is
    /// reachable but no longer answers.
    /// </summary>
    public TimeSpan? DeadPeerTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Connections one listener keeps at once: 10,000. One more is answered 503 before any upgrade
    /// and closed, so the process refuses cleanly before the operating system's limit on open files
    /// (<c>ulimit -n</c>) makes accepting fail. Keep it below that limit, with room for the process's
    /// other files and sockets (a few hundred).
    /// </summary>
    public int MaxConnections { get; init; } = 10_000;

    /// <summary>
    /// Decides who each upgrade request comes from, before the 101 (a <see cref="Security.JwtAuthenticator"/>,
    /// or the application's own). Null: every request is anonymous, and routes that require an
    /// identity answer 401.
    /// </summary>
    public Security.HandshakeAuthenticator? Authenticator { get; init; }

    /// <summary>
    /// Which web pages may open connections. <see cref="Security.OriginPolicy.Any"/> here, as in the
    /// seed, which checks no <c>Origin</c> (its tests send one from another site): an application
    /// that authenticates by cookies must set <see cref="Security.OriginPolicy.SameOrigin"/>.
    /// <see cref="FromConfig"/> checks it: with <c>allowed-origins</c> in the section (the host's
    /// <c>akka.hocon</c> has it) only the same origin and those listed are allowed, and a browser's
    /// upgrade from any other page is answered 403.
    /// </summary>
    public Security.OriginPolicy Origins { get; init; } = Security.OriginPolicy.Any;

    /// <inheritdoc/>
    public override string? Validate()
    {
        if (base.Validate() is { } error)
            return error;
        if (MaxHeaderLen <= 0)
            return "max_header_len must be positive";
        if (HandshakeTimeout <= TimeSpan.Zero)
            return "handshake_timeout must be positive";
        if (MaxConnections <= 0)
            return "max_connections must be positive";
        if (DeadPeerTimeout is { } dead && dead < TimeSpan.FromSeconds(8))
            return "dead_peer_timeout must be at least 8 s";
        if (Origins is null)
            return "origins must not be null";
        if (Protocols is not null && Protocols.Any(string.IsNullOrWhiteSpace))
            return "protocols must not contain empty names";
        return null;
    }

    /// <summary>Reads the <c>cosocket.server</c> section; keys absent from it keep their defaults.</summary>
    public static ServerOptions FromConfig(Config section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var defaults = new ServerOptions();
        var protocols = section.HasPath("protocols") ? section.GetStringList("protocols") : [];
        var options = new ServerOptions
        {
            Timeout = section.HasPath("timeout") ? section.GetTimeSpan("timeout") : defaults.Timeout,
            MaxPayloadLen = section.GetLong("max-payload-len", defaults.MaxPayloadLen),
            MaxRecvLen = OptionalLong(section, "max-recv-len"),
            MaxSendLen = OptionalLong(section, "max-send-len"),
            SendMasked = section.GetBoolean("send-masked", defaults.SendMasked),
            Protocols = protocols.Count == 0 ? null : protocols.ToArray(),
            MaxHeaderLen = section.GetInt("max-header-len", defaults.MaxHeaderLen),
            HandshakeTimeout = section.GetTimeSpan("handshake-timeout", defaults.HandshakeTimeout),
            CloseTimeout = section.GetTimeSpan("close-timeout", defaults.CloseTimeout),
            MaxOutgoingBytes = section.GetLong("max-outgoing-bytes", defaults.MaxOutgoingBytes),
            MaxConnections = section.GetInt("max-connections", defaults.MaxConnections),
            DeadPeerTimeout = section.GetString("dead-peer-timeout", null) is "off" or "" ? null : section.GetTimeSpan("dead-peer-timeout", defaults.DeadPeerTimeout),
            Messages = MessagesFromConfig(section.GetConfig("messages"), defaults.Messages),
            Origins = section.HasPath("allowed-origins")
                ? Security.OriginPolicy.SameOrigin with { AllowedOrigins = [.. section.GetStringList("allowed-origins")] }
                : defaults.Origins,
            RateLimit = RateLimitOptions.FromConfig(section.GetConfig("rate-limit")),
            Compression = CompressionOptions.FromConfig(section.GetConfig("compression")),
        };
        if (options.Validate() is { } error)
            throw new ConfigurationException($"cosocket.server: {error}");
        return options;
    }

    private static MessageOptions MessagesFromConfig(Config? section, MessageOptions defaults)
    {
        if (section is null || section.IsEmpty)
            return defaults;
        string ping = section.GetString("ping-interval", "off");
        return new MessageOptions
        {
            MaxMessageLen = section.GetLong("max-message-len", defaults.MaxMessageLen),
            FragmentSize = section.GetInt("fragment-size", defaults.FragmentSize),
            ValidateUtf8 = section.GetBoolean("validate-utf8", defaults.ValidateUtf8),
            PingInterval = ping is "off" or "" ? null : section.GetTimeSpan("ping-interval"),
            PongTimeout = section.GetTimeSpan("pong-timeout", defaults.PongTimeout),
        };
    }

    private static long? OptionalLong(Config section, string key)
    {
        string? text = section.GetString(key, null);
        if (string.IsNullOrEmpty(text))
            return null;
        return long.TryParse(text, out long value)
            ? value
            : throw new ConfigurationException($"cosocket.server.{key}: \"{text}\" is not a number of bytes");
    }
}
