namespace Cosocket.Actors.Sessions;

/// <summary>
/// Deadlines of a connection's pending receive and send. The caller arms one around an operation
/// that has to wait and disarms it when the operation ends; the connection actor expires what is
/// overdue when a check it scheduled comes due. A check is scheduled only while an operation waits
/// and only when the new deadline comes before the check already scheduled, so an idle connection
/// has no timer at all, and a busy one about one check per timeout period.
/// </summary>
/// <remarks>
/// A source that <see cref="Expire"/> picks is taken out of its slot under the lock and never handed
/// out again: the next operation gets a fresh one, so an expiry that cancels outside the lock can
/// only cancel the operation it found overdue.
/// </remarks>
internal sealed class OperationDeadlines
{
    private readonly Lock _lock = new();
    private readonly Slot _receive = new();
    private readonly Slot _send = new();
    private readonly Action<TimeSpan> _checkIn;

    // When the scheduled check comes due; long.MaxValue while none is scheduled.
    private long _checkAt = long.MaxValue;

    /// <param name="checkIn">Asks for <see cref="Expire"/> to be called after this long (the
    /// connection actor's single timer; a later request replaces an earlier one).</param>
    public OperationDeadlines(Action<TimeSpan> checkIn) => _checkIn = checkIn;

    public static long Now => Environment.TickCount64;

    public CancellationToken ArmReceive(TimeSpan? timeout) => Arm(_receive, timeout);

    public void DisarmReceive() => Disarm(_receive);

    public CancellationToken ArmSend(TimeSpan? timeout) => Arm(_send, timeout);

    public void DisarmSend() => Disarm(_send);

    /// <summary>
    /// Cancels every armed operation whose deadline is at or before <paramref name="now"/>. Returns
    /// how long until the next armed deadline, for which a check is then due, or null when no
    /// operation waits (and no check is scheduled).
    /// </summary>
    public TimeSpan? Expire(long now)
    {
        CancellationTokenSource? receive, send;
        long next;
        lock (_lock)
        {
            receive = _receive.TakeIfOverdue(now);
            send = _send.TakeIfOverdue(now);
            next = Math.Min(_receive.Deadline, _send.Deadline);
            _checkAt = next;
        }
        receive?.Cancel();
        send?.Cancel();
        return next == long.MaxValue ? null : TimeSpan.FromMilliseconds(Math.Max(1, next - now));
    }

    private CancellationToken Arm(Slot slot, TimeSpan? timeout)
    {
        long now = Now;
        long deadline = timeout is { } t && t > TimeSpan.Zero ? now + (long)Math.Ceiling(t.TotalMilliseconds) : long.MaxValue;
        CancellationToken token;
        bool schedule;
        lock (_lock)
        {
            token = slot.Arm(deadline);
            schedule = deadline < _checkAt;
            if (schedule)
                _checkAt = deadline;
        }
        if (schedule)
            _checkIn(TimeSpan.FromMilliseconds(deadline - now));
        return token;
    }

    private void Disarm(Slot slot)
    {
        lock (_lock)
            slot.Deadline = long.MaxValue;
    }

    /// <summary>One kind of operation (receive or send): its source and deadline, guarded by the owner's lock.</summary>
    private sealed class Slot
    {
        private CancellationTokenSource? _source;

        public long Deadline { get; set; } = long.MaxValue;

        public CancellationToken Arm(long deadline)
        {
            // A source still here was never cancelled (an expired one is taken out): TryReset drops
            // the last operation's registrations and makes it reusable.
            if (_source is null || !_source.TryReset())
                _source = new CancellationTokenSource();
            Deadline = deadline;
            return _source.Token;
        }

        public CancellationTokenSource? TakeIfOverdue(long now)
        {
            if (now < Deadline)
                return null;
            var overdue = _source;
            _source = null;
            Deadline = long.MaxValue;
            return overdue;
        }
    }
}
