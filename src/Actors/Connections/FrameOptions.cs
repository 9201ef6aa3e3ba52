namespace Cosocket.Actors.Connections;

/// <summary>
/// What the seed's server and client objects share in their <c>new(opts)</c>: the network timeout
/// and the payload limits, plus the close timeout. The default of <c>max_payload_len</c> differs:
/// 65535 for the server, 65536 for the client (D6).
/// </summary>
public abstract record FrameOptions
{
    protected FrameOptions(long defaultMaxPayloadLen) => MaxPayloadLen = defaultMaxPayloadLen;

    /// <summary>Network timeout of connect, of each receive and of each send (the seed's <c>timeout</c>);
    /// null means none. 60 s: ngx_lua's default for each when the option is not given.</summary>
    public TimeSpan? Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Largest payload received or sent. A larger frame is refused from its header alone, so
    /// this bounds the memory a peer can make a connection hold.</summary>
    public long MaxPayloadLen { get; init; }

    /// <summary>Receive limit; null means <see cref="MaxPayloadLen"/>.</summary>
    public long? MaxRecvLen { get; init; }

    /// <summary>Send limit; null means <see cref="MaxPayloadLen"/>.</summary>
    public long? MaxSendLen { get; init; }

    /// <summary>Once this side has closed (a handler returned, <c>close()</c>, a close was told), the
    /// time the peer has to close its side before the connection is cut: 5 s.</summary>
    public TimeSpan CloseTimeout { get; init; } = DefaultCloseTimeout;

    /// <summary>The default of <see cref="CloseTimeout"/>: 5 s.</summary>
    public static readonly TimeSpan DefaultCloseTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The outgoing byte budget: bytes of frames that may wait to be written before an awaited send
    /// waits for room (within its timeout) and a message <c>Tell</c>ed or delivered to the connection
    /// is refused and the connection closed as a slow consumer (1008 <c>slow consumer</c>). 1 MiB, as
    /// uWebSockets' <c>maxBackpressure</c>: thousands of chat-sized messages of slack for a peer that
    /// is briefly slow, while a peer that stops reading costs at most this, plus one message, plus the
    /// 256 KiB the protocol stage coalesces into one write. A message larger than the budget still goes
    /// out when nothing waits before it.
    /// </summary>
    public long MaxOutgoingBytes { get; init; } = DefaultMaxOutgoingBytes;

    /// <summary>The default of <see cref="MaxOutgoingBytes"/>: 1 MiB.</summary>
    public const long DefaultMaxOutgoingBytes = 1024 * 1024;

    /// <summary>The message layer's limits, fragmentation and keepalive.</summary>
    public MessageOptions Messages { get; init; } = new();

    /// <summary>permessage-deflate (RFC 7692): what the handshake asks for, and how messages are
    /// compressed once it is agreed. Null (the default of the seed's objects): never negotiated, and
    /// the seed's <c>recv_frame</c> stays raw.</summary>
    public CompressionOptions? Compression { get; init; }

    /// <summary>How fast the peer may send, in messages and bytes per second, and what happens when
    /// it sends faster; null (the default) sets no limit.</summary>
    public RateLimitOptions? RateLimit { get; init; }

    public long EffectiveMaxRecvLen => MaxRecvLen ?? MaxPayloadLen;

    public long EffectiveMaxSendLen => MaxSendLen ?? MaxPayloadLen;

    /// <summary>The payload of each frame of a fragmented message: the fragment size, but never over the send limit.</summary>
    public int EffectiveFragmentSize => (int)Math.Max(1, Math.Min(Messages.FragmentSize, EffectiveMaxSendLen));

    /// <summary>What the connection's protocol needs of these options.</summary>
    /// <param name="deflate">What the handshake agreed of permessage-deflate, or null.</param>
    internal Protocol.Connection.ProtocolSettings ToProtocolSettings(Protocol.Connection.Role role, bool masked, Protocol.Deflate.DeflateParameters? deflate) =>
        new(role, EffectiveMaxRecvLen, Messages.MaxMessageLen, Messages.ValidateUtf8, masked, CloseTimeout, Messages.PingInterval, Messages.PongTimeout,
            deflate is null || Compression is null ? null : Compression.SettingsFor(deflate));

    /// <summary>A connection's settings before its handshake configures it (no frame is decoded before):
    /// the defaults, with <paramref name="maxRecvLen"/>.</summary>
    internal static Protocol.Connection.ProtocolSettings InitialSettings(Protocol.Connection.Role role, long maxRecvLen)
    {
        var messages = new MessageOptions();
        return new(role, maxRecvLen, messages.MaxMessageLen, messages.ValidateUtf8, role == Protocol.Connection.Role.Client,
            DefaultCloseTimeout, messages.PingInterval, messages.PongTimeout);
    }

    /// <summary>Why these options cannot be used, or null.</summary>
    public virtual string? Validate()
    {
        if (Timeout is { } timeout && timeout < TimeSpan.Zero)
            return "timeout must not be negative";
        if (MaxPayloadLen < 0 || MaxRecvLen < 0 || MaxSendLen < 0)
            return "max_payload_len, max_recv_len and max_send_len must not be negative";
        if (MaxOutgoingBytes <= 0)
            return "max_outgoing_bytes must be positive";
        if (CloseTimeout <= TimeSpan.Zero)
            return "close_timeout must be positive";
        if (Messages is null)
            return "messages must not be null";
        if (RateLimit?.Validate() is { } rateError)
            return rateError;
        if (Compression?.Validate() is { } compressionError)
            return compressionError;
        return Messages.Validate();
    }
}
