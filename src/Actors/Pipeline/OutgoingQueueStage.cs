using Akka.Streams;
using Akka.Streams.Stage;
using Cosocket.Actors.Transport;

namespace Cosocket.Actors.Pipeline;

/// <summary>
/// Where senders hand frames to a connection's graph: the seed API object and the connection actor
/// both write here, from any thread. A frame reaches the stage in one hop (an async callback). At
/// most <see cref="Capacity"/> frames wait: further writers wait for room, which is the back-pressure
/// a slow peer puts on its senders. Once the connection has ended, every frame still queued, and
/// every later write, fails with <see cref="TransportClosedException"/>: none is silently dropped.
/// </summary>
public sealed class OutgoingQueue
{
    /// <summary>Frames queued before writers wait.</summary>
    public const int Capacity = 64;

    // Starts empty and grows on demand: an idle connection holds no slots.
    private readonly Queue<OutgoingFrame> _frames = new();
    private readonly Lock _lock = new();
    // maxCount is unbounded so that closing can wake every waiter at once.
    private readonly SemaphoreSlim _room = new(Capacity, int.MaxValue);
    private readonly TaskCompletionSource<(Action Wake, Action Complete)> _stage = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _completed;
    private volatile bool _closed;

    /// <summary>Queues a frame; fails once the queue is completed or the connection has ended.</summary>
    public async ValueTask WriteAsync(OutgoingFrame frame, CancellationToken cancellation)
    {
        if (_completed || _closed)
            throw new TransportClosedException();
        await _room.WaitAsync(cancellation).ConfigureAwait(false);
        if (_completed || _closed)
            throw new TransportClosedException();
        lock (_lock)
            _frames.Enqueue(frame);
        if (_closed)
            FailQueued(); // the stage stopped while this frame went in: it will never take it
        var stage = _stage.Task.IsCompletedSuccessfully ? _stage.Task.Result : await _stage.Task.ConfigureAwait(false);
        stage.Wake();
    }

    /// <summary>No more frames: those queued are written, then the outbound side completes.</summary>
    public void Complete()
    {
        if (_completed)
            return;
        _completed = true;
        _ = _stage.Task.ContinueWith(t => t.Result.Complete(), TaskContinuationOptions.OnlyOnRanToCompletion);
    }

    internal void Started(Action wake, Action complete) => _stage.TrySetResult((wake, complete));

    internal bool TryTake(out OutgoingFrame frame)
    {
        if (!TryDequeue(out frame))
            return false;
        _room.Release();
        return true;
    }

    internal bool IsEmpty
    {
        get
        {
            lock (_lock)
                return _frames.Count == 0;
        }
    }

    /// <summary>The stage has stopped: fail what is queued and wake every waiting writer.</summary>
    internal void Closed()
    {
        _closed = true;
        FailQueued();
        _room.Release(int.MaxValue / 2);
    }

    private void FailQueued()
    {
        while (TryDequeue(out var frame))
            frame.Written?.TrySetException(new TransportClosedException());
    }

    private bool TryDequeue(out OutgoingFrame frame)
    {
        lock (_lock)
            return _frames.TryDequeue(out frame!);
    }
}

/// <summary>The source side of an <see cref="OutgoingQueue"/>.</summary>
public sealed class OutgoingQueueStage : GraphStageWithMaterializedValue<SourceShape<OutgoingFrame>, OutgoingQueue>
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
