using Akka.Configuration;

namespace Cosocket.Actors.Server;

/// <summary>
/// The options of the seed's <c>server:new(opts)</c> (spec §2.2 step 14) and Cosocket's handshake
/// limits (DECISIONS D3, D4). Every default lives here; <c>akka.hocon</c> documents the same values.
/// </summary>
public sealed record ServerOptions
{
    /// <summary>The seed's server default for <c>max_payload_len</c>.</summary>
    public const long DefaultMaxPayloadLen = 65535;

    /// <summary>Network timeout for receives and sends (the seed's <c>timeout</c>); null means none.
    /// 60 s: the seed inherits nginx's <c>lua_socket_read_timeout</c> when the option is not given.</summary>
    public TimeSpan? Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Largest payload received or sent: 65535. A larger frame is refused from its header
    /// alone, so this bounds the memory a peer can make a connection hold.</summary>
    public long MaxPayloadLen { get; init; } = DefaultMaxPayloadLen;

    /// <summary>Receive limit; null means <see cref="MaxPayloadLen"/>.</summary>
    public long? MaxRecvLen { get; init; }

    /// <summary>Send limit; null means <see cref="MaxPayloadLen"/>.</summary>
    public long? MaxSendLen { get; init; }

    /// <summary>Send masked frames (off: RFC 6455 §5.1 says a server MUST NOT mask).</summary>
    public bool SendMasked { get; init; }

    /// <summary>Supported subprotocols in preference order (D3); null echoes the client's first.</summary>
    public IReadOnlyList<string>? Protocols { get; init; }

    /// <summary>Largest request head: 16384 bytes; larger is answered 431 (D4).</summary>
    public int MaxHeaderLen { get; init; } = Cosocket.Protocol.Handshake.HttpHead.DefaultMaxHeaderLength;

    /// <summary>Time a client has to finish its handshake: 10 s (D4).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Once the server has closed its side (its handler returned, or a close was told), the
    /// time the peer has to close its side before the connection is cut: 5 s.</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public long EffectiveMaxRecvLen => MaxRecvLen ?? MaxPayloadLen;

    public long EffectiveMaxSendLen => MaxSendLen ?? MaxPayloadLen;

    /// <summary>Why these options cannot be used, or null.</summary>
    public string? Validate()
    {
        if (Timeout is { } timeout && timeout < TimeSpan.Zero)
            return "timeout must not be negative";
        if (MaxPayloadLen < 0 || MaxRecvLen < 0 || MaxSendLen < 0)
            return "max_payload_len, max_recv_len and max_send_len must not be negative";
        if (MaxHeaderLen <= 0)
            return "max_header_len must be positive";
        if (HandshakeTimeout <= TimeSpan.Zero)
            return "handshake_timeout must be positive";
        if (CloseTimeout <= TimeSpan.Zero)
            return "close_timeout must be positive";
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
        };
        if (options.Validate() is { } error)
            throw new ConfigurationException($"cosocket.server: {error}");
        return options;
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
