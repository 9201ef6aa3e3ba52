using Cosocket.Protocol.Connection;

namespace Cosocket.Actors.Pipeline;

/// <summary>
/// Where a connection's events (frames or messages, then its end) wait for its receiver (the seed
/// API's <c>recv_frame</c>, the message layer).
/// A receiver waiting for a frame is resumed <em>on the connection's stream thread</em>, without a
/// trip through the thread pool: the event-loop model the seed has (nginx runs its Lua handlers on
/// the event loop), and the reason handlers must not block. At most <see cref="Capacity"/> events
/// wait; past that the protocol stage stops reading the socket until the receiver catches up.
/// </summary>
internal sealed class IncomingQueue
{
    public const int Capacity = 16;

    // Starts empty and grows on demand: an idle connection holds no slots.
    private readonly Queue<ProtocolEvent> _events = new();
    private readonly Lock _lock = new();
    private TaskCompletionSource<bool>? _waiter;
    private CancellationTokenRegistration _waiterCancellation;
    private Action? _resume;
    private int _count;
    private volatile bool _completed;

    /// <summary>Takes the next event if one is waiting.</summary>
    public bool TryRead(out ProtocolEvent next)
    {
        lock (_lock)
        {
            if (!_events.TryDequeue(out next))
                return false;
        }
        if (Interlocked.Decrement(ref _count) == Capacity / 2)
            _resume?.Invoke();
        return true;
    }

    /// <summary>True once an event is waiting; false once none will come.</summary>
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellation)
    {
        TaskCompletionSource<bool> waiter;
        lock (_lock)
        {
            if (_events.Count > 0)
                return ValueTask.FromResult(true);
            if (_completed)
                return ValueTask.FromResult(false);
            // Continuations run where the event arrives: on the stream thread.
            waiter = _waiter = new TaskCompletionSource<bool>();
        }
        if (cancellation.CanBeCanceled)
        {
            var registration = cancellation.UnsafeRegister(static state => ((TaskCompletionSource<bool>)state!).TrySetCanceled(), waiter);
            // Wake unregisters it; if Wake came first, nothing is left to cancel.
            lock (_lock)
            {
                if (ReferenceEquals(_waiter, waiter))
                    _waiterCancellation = registration;
                else
                    registration.Unregister();
            }
        }
        return new ValueTask<bool>(waiter.Task);
    }

    /// <summary>Results waiting for the receiver.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
                return _events.Count;
        }
    }

    /// <summary>True once the input has ended (EOF, a transport failure or a protocol error).</summary>
    public bool IsCompleted => _completed;

    internal void Started(Action resume) => _resume = resume;

    /// <returns>Whether there is room for more.</returns>
    internal bool Add(ProtocolEvent next)
    {
        lock (_lock)
            _events.Enqueue(next);
        bool room = Interlocked.Increment(ref _count) < Capacity;
        Wake(true);
        return room;
    }

    internal bool HasRoom => Volatile.Read(ref _count) < Capacity;

    internal void Complete()
    {
        _completed = true;
        Wake(false);
    }

    private void Wake(bool value)
    {
        TaskCompletionSource<bool>? waiter;
        CancellationTokenRegistration cancellation;
        lock (_lock)
        {
            waiter = _waiter;
            _waiter = null;
            cancellation = _waiterCancellation;
            _waiterCancellation = default;
        }
        cancellation.Unregister();
        waiter?.TrySetResult(value);
    }
}
