namespace Cosocket.Actors.Connections;

/// <summary>
/// Deadlines of a connection's pending receive and send. The caller arms one around an operation
/// that has to wait; the connection actor's periodic tick (<see cref="Expire"/>) cancels whatever is
/// overdue. One timer per connection, no timer per frame, no polling by the waiting code.
/// </summary>
internal sealed class OperationDeadlines
{
    private readonly Slot _receive = new();
    private readonly Slot _send = new();

    public CancellationToken ArmReceive(TimeSpan? timeout) => _receive.Arm(timeout);

    public void DisarmReceive() => _receive.Disarm();

    public CancellationToken ArmSend(TimeSpan? timeout) => _send.Arm(timeout);

    public void DisarmSend() => _send.Disarm();

    /// <summary>Cancels every armed operation whose deadline is at or before <paramref name="now"/>.</summary>
    public void Expire(long now)
    {
        _receive.Expire(now);
        _send.Expire(now);
    }

    public static long Now => Environment.TickCount64;

    private sealed class Slot
    {
        private readonly Lock _lock = new();
        private CancellationTokenSource? _source;
        private long _deadline = long.MaxValue;

        public CancellationToken Arm(TimeSpan? timeout)
        {
            lock (_lock)
            {
                if (_source is null || !_source.TryReset())
                    _source = new CancellationTokenSource();
                _deadline = timeout is { } t && t > TimeSpan.Zero ? Now + (long)t.TotalMilliseconds : long.MaxValue;
                return _source.Token;
            }
        }

        public void Disarm()
        {
            lock (_lock)
                _deadline = long.MaxValue;
        }

        public void Expire(long now)
        {
            CancellationTokenSource? overdue = null;
            lock (_lock)
            {
                if (now >= _deadline)
                {
                    _deadline = long.MaxValue;
                    overdue = _source;
                }
            }
            overdue?.Cancel();
        }
    }
}
