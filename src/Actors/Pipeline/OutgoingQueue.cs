using Cosocket.Actors.Connections;
using Cosocket.Actors.Transport;

namespace Cosocket.Actors.Pipeline;

/// <summary>What became of a command handed to <see cref="OutgoingQueue.TryPost"/>.</summary>
internal enum PostResult
{
    Queued,

    /// <summary>The connection's outgoing byte budget is spent: the peer reads slower than it is sent to.</summary>
    OverBudget,

    /// <summary>The connection has ended, or this side has closed its sending side.</summary>
    Closed,
}

/// <summary>
/// Where senders hand commands to a connection's protocol stage: the seed API objects and the connection actor
/// write here, from any thread. Memory is bounded by an outgoing byte budget, counted over the payloads
/// of the commands that wait here:
/// <list type="bullet">
/// <item>An awaited writer (<see cref="WriteAsync"/>: the seed's send methods, one at a time per
/// connection) waits, within its send timeout, while the budget is spent: the back-pressure a slow
/// peer puts on its sender.</item>
/// <item>A writer that does not wait (<see cref="TryPost"/>: <c>Tell</c>ed sends, delivered messages)
/// is refused with <see cref="PostResult.OverBudget"/>; the connection then applies its slow-consumer
/// policy.</item>
/// <item>Commands this side originates to end the connection or check it (<see cref="PostControl"/>:
/// a close, a failure, the end of sending, a <c>Tell</c>ed ping) carry at most 125 bytes each, a
/// handful per connection, and bypass the budget.</item>
/// </list>
/// A command is accepted while the bytes waiting are under the budget, so one message larger than the
/// budget still goes out when the queue is empty. Every command is enqueued synchronously by the call
/// that hands it over, so commands keep the order in which each sender handed them over (per-sender
/// FIFO). Once the connection has ended, every command still queued, and every later write, fails with
/// <see cref="TransportClosedException"/>: none is silently dropped.
/// </summary>
internal sealed class OutgoingQueue
{
    // Starts empty and grows on demand: an idle connection holds no slots.
    private readonly Queue<OutgoingCommand> _commands = new();
    private readonly Lock _lock = new();
    private long _queuedBytes;
    private long _budget = Connections.FrameOptions.DefaultMaxOutgoingBytes;
    private TaskCompletionSource? _room;
    private Action? _wake;
    private bool _closed;

    /// <summary>Payload bytes that may wait here before writers wait or are refused.</summary>
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

    /// <summary>Payload bytes of commands waiting to be taken by the stage.</summary>
    public long QueuedBytes
    {
        get
        {
            lock (_lock)
                return _queuedBytes;
        }
    }

    /// <summary>Queues a command, first waiting for the budget to have room; fails once the connection has ended.</summary>
    public ValueTask WriteAsync(OutgoingCommand command, CancellationToken cancellation)
    {
        Task room;
        lock (_lock)
        {
            if (_closed)
                return ValueTask.FromException(new TransportClosedException());
            if (_queuedBytes < _budget)
            {
                Enqueue(command);
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
        return WaitForRoomAsync(command, room, cancellation);
    }

    private async ValueTask WaitForRoomAsync(OutgoingCommand command, Task room, CancellationToken cancellation)
    {
        await room.WaitAsync(cancellation).ConfigureAwait(false);
        await WriteAsync(command, cancellation).ConfigureAwait(false);
    }

    /// <summary>Queues a command without waiting: refused while the budget is spent.</summary>
    public PostResult TryPost(OutgoingCommand command) => Post(command, withinBudget: true);

    /// <summary>Queues a command this side originates (a close, a failure, the end, a ping) whatever the budget.</summary>
    public PostResult PostControl(OutgoingCommand command) => Post(command, withinBudget: false);

    private PostResult Post(OutgoingCommand command, bool withinBudget)
    {
        lock (_lock)
        {
            if (_closed)
                return PostResult.Closed;
            if (withinBudget && _queuedBytes >= _budget)
                return PostResult.OverBudget;
            Enqueue(command);
        }
        Wake();
        return PostResult.Queued;
    }

    /// <summary>The stage runs: from now on it is woken when commands arrive.</summary>
    internal void Started(Action wake)
    {
        lock (_lock)
            _wake = wake;
        wake();
    }

    /// <summary>True while commands wait for the stage.</summary>
    internal bool HasCommands
    {
        get
        {
            lock (_lock)
                return _commands.Count > 0;
        }
    }

    internal bool TryTake(out OutgoingCommand command)
    {
        TaskCompletionSource? room = null;
        lock (_lock)
        {
            if (!_commands.TryDequeue(out command!))
                return false;
            _queuedBytes -= command.Length;
            if (_queuedBytes < _budget && _room is not null)
            {
                room = _room;
                _room = null;
            }
        }
        room?.TrySetResult();
        return true;
    }

    /// <summary>The stage has stopped: fail what is queued and wake every waiting writer.</summary>
    internal void Closed()
    {
        OutgoingCommand[] queued;
        TaskCompletionSource? room;
        lock (_lock)
        {
            _closed = true;
            queued = [.. _commands];
            _commands.Clear();
            _queuedBytes = 0;
            room = _room;
            _room = null;
        }
        foreach (var command in queued)
            command.Written?.OnFailed(new TransportClosedException(), command.Token);
        room?.TrySetResult(); // the waiters retry and find the queue closed
    }

    private void Enqueue(OutgoingCommand command)
    {
        _commands.Enqueue(command);
        _queuedBytes += command.Length;
    }

    /// <summary>The thread on which the stage is running the connection's receiver or sender inline, or 0.</summary>
    private int _inlineThread;

    /// <summary>Until the scope is disposed, commands queued on this thread (by code the stage runs
    /// inline) do not wake the stage: it takes them itself right after.</summary>
    internal InlineScope Inline()
    {
        Volatile.Write(ref _inlineThread, Environment.CurrentManagedThreadId);
        return new InlineScope(this);
    }

    /// <summary>Ends <see cref="Inline"/> (a struct: no allocation on the stage's hot path).</summary>
    internal readonly struct InlineScope(OutgoingQueue queue) : IDisposable
    {
        public void Dispose() => Volatile.Write(ref queue._inlineThread, 0);
    }

    private void Wake()
    {
        if (Volatile.Read(ref _inlineThread) != Environment.CurrentManagedThreadId)
            Volatile.Read(ref _wake)?.Invoke();
    }
}
