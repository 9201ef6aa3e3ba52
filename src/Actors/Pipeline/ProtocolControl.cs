using Cosocket.Actors.Connections;
using Cosocket.Protocol.Connection;
using Cosocket.Protocol.Framing;

namespace Cosocket.Actors.Pipeline;

/// <summary>A connection's protocol settings and rate limit, from the handshake's outcome.</summary>
internal sealed record ProtocolConfiguration(ProtocolSettings Settings, RateLimitOptions? RateLimit);

/// <summary>
/// The protocol stage's materialized side, shared with the code outside the stream. Decisions go in
/// through the stage's own thread (an async callback); what the facades read synchronously (the read
/// phase that words a receive timeout, docs/compatibility.md §1.5; whether a frame or message is half
/// read; the state) comes out as values the stage publishes after each step.
/// </summary>
internal sealed class ProtocolControl
{
    private readonly Lock _lock = new();
    private Action<object>? _post;
    private List<object>? _pending;
    private int _phase;
    private bool _atFrameBoundary = true;
    private bool _inMessage;
    private int _state;
    private bool _pendingInput;
    private object? _peerClose;

    /// <summary>Takes the settings of the handshake's outcome; called before the upgrade is written.</summary>
    public void Configure(ProtocolConfiguration configuration) => Post(configuration);

    /// <summary>The first receive picked how frames are handed on.</summary>
    public void UseMode(ReceiveMode mode) => Post(mode);

    /// <summary>The connection rests in a pool (true) or goes to its next owner (false): see <see cref="WebSocketProtocol.Rest"/>.</summary>
    public void Rest(bool resting) => Post(new RestCommand(resting));

    internal sealed record RestCommand(bool Resting);

    /// <summary>The connection's owner is gone: the stage stops, whatever is left (its actor's last word).</summary>
    public void Stop() => Post(StopCommand.Instance);

    internal sealed class StopCommand
    {
        public static StopCommand Instance { get; } = new();
    }

    /// <summary>Cuts the connection (the transport's abort): the protocol's close timer passed, or the peer is gone.</summary>
    internal Action? AbortTransport { get; set; }

    /// <summary>Told, on the stream's thread, when the peer exceeded a rate limit whose policy is to close (for the log).</summary>
    internal Action? RateExceeded { get; set; }

    public ReadPhase Phase => (ReadPhase)Volatile.Read(ref _phase);

    /// <summary>False while part of a frame has been read but not decoded.</summary>
    public bool AtFrameBoundary => Volatile.Read(ref _atFrameBoundary);

    /// <summary>True while part of a fragmented message has been read.</summary>
    public bool InMessage => Volatile.Read(ref _inMessage);

    public ConnectionState State => (ConnectionState)Volatile.Read(ref _state);

    /// <summary>The peer's close once the protocol has handed it to the receiver, who may not have
    /// read it yet when the connection is gone; null before.</summary>
    public CloseResult? PeerClose => Volatile.Read(ref _peerClose) is CloseResult close ? close : null;

    // Boxed, so that a reader on another thread sees the whole result or none.
    internal void OnPeerClose(in ProtocolEvent close) => Volatile.Write(ref _peerClose, CloseResult.OfPeer(close));

    /// <summary>True while received frames wait in the protocol for the receiver (held before the first receive, or paced).</summary>
    public bool HasPendingInput => Volatile.Read(ref _pendingInput);

    /// <summary>The stage runs: what was told before is handed back to it, later calls go to <paramref name="post"/>.</summary>
    internal List<object>? Started(Action<object> post)
    {
        lock (_lock)
        {
            _post = post;
            var pending = _pending;
            _pending = null;
            return pending;
        }
    }

    internal void Publish(WebSocketProtocol protocol)
    {
        Volatile.Write(ref _phase, (int)protocol.Phase);
        Volatile.Write(ref _atFrameBoundary, protocol.IsAtFrameBoundary);
        Volatile.Write(ref _inMessage, protocol.InMessage);
        Volatile.Write(ref _state, (int)protocol.State);
        Volatile.Write(ref _pendingInput, protocol.HasPendingInput);
    }

    private void Post(object command)
    {
        Action<object>? post;
        lock (_lock)
        {
            post = _post;
            if (post is null)
                (_pending ??= []).Add(command);
        }
        post?.Invoke(command);
    }
}
