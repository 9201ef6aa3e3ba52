using Akka.Streams;
using Akka.Streams.Stage;
using Cosocket.Actors.Transport;

namespace Cosocket.Actors.Pipeline;

/// <summary>What became of a frame handed to <see cref="OutgoingQueue.TryPost"/>.</summary>
internal enum PostResult
{
    Queued,

    /// <summary>The connection's outgoing byte budget is spent: the peer reads slower than it is sent to.</summary>
    OverBudget,

    /// <summary>The connection has ended, or this side has closed its sending side.</summary>
    Closed,
}

/// <summary>
/// Where senders hand frames to a connection's graph: the seed API objects and the connection actor
/// write here, from any thread. Memory is bounded by an outgoing byte budget, counted over the frames
/// that wait here:
/// <list type="bullet">
/// <item>An awaited writer (<see cref="WriteAsync"/>: the seed's send methods, one at a time per
/// connection) waits, within its send timeout, while the budget is spent: the back-pressure a slow
/// peer puts on its sender.</item>
/// <item>A writer that does not wait (<see cref="TryPost"/>: <c>Tell</c>ed sends, delivered messages)
/// is refused with <see cref="PostResult.OverBudget"/>; the connection then applies its slow-consumer
/// policy.</item>
/// <item>Pongs are coalesced (<see cref="PostPong"/>): at most <see cref="MaxWaitingPongs"/> wait, the
/// last of them always the answer to the latest ping, as RFC 6455 §5.5.3 allows, so a ping flood
/// costs O(1) while a burst of a few pings is still answered ping for ping.</item>
/// <item>Control frames this side originates (<see cref="PostControl"/>: close, keepalive ping) are
/// at most 127 bytes each, a handful per connection, and bypass the budget.</item>
/// </list>
/// A frame is accepted while the bytes waiting are under the budget, so one message larger than the
/// budget still goes out when the queue is empty. Every frame is enqueued synchronously by the call
/// that hands it over, so frames keep the order in which each sender handed them over (per-sender
/// FIFO). Once the connection has ended, every frame still queued, and every later write, fails with
/// <see cref="TransportClosedException"/>: none is silently dropped.
/// </summary>
internal sealed class OutgoingQueue
{
    // Starts empty and grows on demand: an idle connection holds no slots.
    private readonly Queue<OutgoingFrame> _frames = new();
    /// <summary>Pongs that may wait before a new one replaces the newest waiting.</summary>
    internal const int MaxWaitingPongs = 16;

    private readonly Lock _lock = new();
    // Oldest first; at most MaxWaitingPongs, the last one the answer to the latest ping.
    private readonly List<OutgoingFrame> _pongs = [];
    private long _queuedBytes;
    private long _budget = Connections.FrameOptions.DefaultMaxOutgoingBytes;
    private TaskCompletionSource? _room;
    private Action? _wake;
    private Action? _complete;
    private bool _completed;
    private bool _closed;

    /// <summary>Bytes of frames that may wait here before writers wait or are refused.</summary>
    public long Budget
    {
        get
        {
            lock (_lock)
                return _budget;
        }
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            lock (_lock)
                _budget = value;
        }
    }

    /// <summary>Bytes of frames waiting to be taken by the stage (pongs not counted).</summary>
    public long QueuedBytes
    {
        get
        {
            lock (_lock)
                return _queuedBytes;
        }
    }

    /// <summary>Queues a frame, first waiting for the budget to have room; fails once the queue is
    /// completed or the connection has ended.</summary>
    public ValueTask WriteAsync(OutgoingFrame frame, CancellationToken cancellation)
    {
        Task room;
        lock (_lock)
        {
            if (_completed || _closed)
                return ValueTask.FromException(new TransportClosedException());
            if (_queuedBytes < _budget)
            {
                Enqueue(frame);
                room = Task.CompletedTask;
            }
            else
                room = (_room ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
        if (room.IsCompleted)
        {
            Wake();
            return ValueTask.CompletedTask;
        }
        return WaitForRoomAsync(frame, room, cancellation);
    }

    private async ValueTask WaitForRoomAsync(OutgoingFrame frame, Task room, CancellationToken cancellation)
    {
        await room.WaitAsync(cancellation).ConfigureAwait(false);
        await WriteAsync(frame, cancellation).ConfigureAwait(false);
    }

    /// <summary>Queues a frame without waiting: refused while the budget is spent.</summary>
    public PostResult TryPost(OutgoingFrame frame) => Post(frame, withinBudget: true);

    /// <summary>Queues a control frame this side originates (a close, a keepalive ping) whatever the budget.</summary>
    public PostResult PostControl(OutgoingFrame frame) => Post(frame, withinBudget: false);

    private PostResult Post(OutgoingFrame frame, bool withinBudget)
    {
        lock (_lock)
        {
            if (_completed || _closed)
                return PostResult.Closed;
            if (withinBudget && _queuedBytes >= _budget)
                return PostResult.OverBudget;
            Enqueue(frame);
        }
        Wake();
        return PostResult.Queued;
    }

    /// <summary>Queues a pong. Once <see cref="MaxWaitingPongs"/> wait, it replaces the newest of
    /// them, so the latest ping is answered and older answers are dropped (RFC 6455 §5.5.3: "an
    /// endpoint MAY elect to send a Pong frame for only the most recently processed Ping frame").
    /// Pongs go out before the frames already waiting.</summary>
    public void PostPong(OutgoingFrame pong)
    {
        lock (_lock)
        {
            if (_completed || _closed)
                return;
            if (_pongs.Count == MaxWaitingPongs)
                _pongs[^1] = pong;
            else
                _pongs.Add(pong);
        }
        Wake();
    }

    /// <summary>No more frames: those queued are written, then the outbound side completes.</summary>
    public void Complete()
    {
        Action? complete;
        lock (_lock)
        {
            if (_completed)
                return;
            _completed = true;
            complete = _complete;
        }
        complete?.Invoke();
    }

    /// <summary>The stage runs: from now on it is woken when frames arrive, and told when the queue completes.</summary>
    internal void Started(Action wake, Action complete)
    {
        bool completed;
        lock (_lock)
        {
            _wake = wake;
            _complete = complete;
            completed = _completed;
        }
        if (completed)
            complete();
        else
            wake();
    }

    internal bool TryTake(out OutgoingFrame frame)
    {
        TaskCompletionSource? room = null;
        lock (_lock)
        {
            if (_pongs.Count > 0)
            {
                frame = _pongs[0];
                _pongs.RemoveAt(0);
                return true;
            }
            if (!_frames.TryDequeue(out frame!))
                return false;
            _queuedBytes -= frame.Bytes.Count;
            if (_queuedBytes < _budget && _room is not null)
            {
                room = _room;
                _room = null;
            }
        }
        room?.TrySetResult();
        return true;
    }

    internal bool IsEmpty
    {
        get
        {
            lock (_lock)
                return _frames.Count == 0 && _pongs.Count == 0;
        }
    }

    /// <summary>The stage has stopped: fail what is queued and wake every waiting writer.</summary>
    internal void Closed()
    {
        OutgoingFrame[] queued;
        TaskCompletionSource? room;
        lock (_lock)
        {
            _closed = true;
            queued = [.. _frames];
            _frames.Clear();
            _pongs.Clear();
            _queuedBytes = 0;
            room = _room;
            _room = null;
        }
        foreach (var frame in queued)
            frame.Written?.OnFailed(new TransportClosedException(), frame.Token);
        room?.TrySetResult(); // the waiters retry and find the queue closed
    }

    private void Enqueue(OutgoingFrame frame)
    {
        _frames.Enqueue(frame);
        _queuedBytes += frame.Bytes.Count;
    }

    private void Wake() => Volatile.Read(ref _wake)?.Invoke();
}

/// <summary>The source side of an <see cref="OutgoingQueue"/>.</summary>
internal sealed class OutgoingQueueStage : GraphStageWithMaterializedValue<SourceShape<OutgoingFrame>, OutgoingQueue>
{
    public Outlet<OutgoingFrame> Out { get; } = new("outgoing.out");

    public override SourceShape<OutgoingFrame> Shape => new(Out);

    public override ILogicAndMaterializedValue<OutgoingQueue> CreateLogicAndMaterializedValue(Attributes inheritedAttributes)
    {
        var queue = new OutgoingQueue();
        return new LogicAndMaterializedValue<OutgoingQueue>(new Logic(this, queue), queue);
    }

    private sealed class Logic : GraphStageLogic
    {
        private readonly OutgoingQueueStage _stage;
        private readonly OutgoingQueue _queue;
        private bool _completing;

        public Logic(OutgoingQueueStage stage, OutgoingQueue queue) : base(stage.Shape)
        {
            _stage = stage;
            _queue = queue;
            SetHandler(stage.Out, onPull: Deliver, onDownstreamFinish: _ => CompleteStage());
        }

        public override void PreStart() =>
            _queue.Started(GetAsyncCallback(Deliver), GetAsyncCallback(() =>
            {
                _completing = true;
                Deliver();
            }));

        public override void PostStop() => _queue.Closed();

        private void Deliver()
        {
            if (IsAvailable(_stage.Out) && _queue.TryTake(out var frame))
                Push(_stage.Out, frame);
            if (_completing && _queue.IsEmpty)
                CompleteStage();
        }
    }
}
