namespace Cosocket.Actors.Connections;

/// <summary>
/// The message layer's options (<c>ReceiveMessageAsync</c>, <c>SendMessageAsync</c>,
/// <c>CloseHandshakeAsync</c>, keepalive), beside the seed's frame options. Every default lives here;
/// <c>akka.hocon</c> documents the same values.
/// </summary>
public sealed record MessageOptions
{
    /// <summary>Largest message received, all fragments together: 1 MiB. A larger one is refused
    /// from the header of the frame that crosses the limit (close 1009), so it bounds the memory a
    /// peer can make a connection hold. Each frame is still bounded by <c>max_payload_len</c>.</summary>
    public long MaxMessageLen { get; init; } = 1024 * 1024;

    /// <summary>Messages longer than this are sent as several frames of at most this payload: 65535
    /// bytes, the largest frame the seed's server accepts by default. Never more than <c>max_send_len</c>.</summary>
    public int FragmentSize { get; init; } = 65535;

    /// <summary>Check that text messages and close reasons are UTF-8 (RFC 6455 §8.1 requires it).
    /// Off only for trusted peers that send text too large to check, as Node's ws <c>skipUTF8Validation</c>.</summary>
    public bool ValidateUtf8 { get; init; } = true;

    /// <summary>Send a ping this often; null (the default) sends none.</summary>
    public TimeSpan? PingInterval { get; init; }

    /// <summary>After a keepalive ping, how long the peer has to show it is alive (a pong, or any
    /// frame) before the connection is closed with 1011: 10 s.</summary>
    public TimeSpan PongTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Why these options cannot be used, or null.</summary>
    public string? Validate()
    {
        if (MaxMessageLen <= 0)
            return "max_message_len must be positive";
        if (FragmentSize <= 0)
            return "fragment_size must be positive";
        if (PingInterval is { } interval && interval <= TimeSpan.Zero)
            return "ping_interval must be positive";
        if (PongTimeout <= TimeSpan.Zero)
            return "pong_timeout must be positive";
        return null;
    }
}
