using Cosocket.Actors.Connections;
using Cosocket.Actors.Sessions;

namespace Cosocket.Actors.Tests.Connections;

/// <summary>The deadlines of a connection's receive and send: what expires them, and that nothing
/// else is ever cancelled by them.</summary>
public class OperationDeadlinesTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan OneHour = TimeSpan.FromHours(1);

    /// <summary>
    /// The race the issue measured: an expiry that picked an overdue operation must cancel that
    /// operation only, never the next one armed in the same slot while it was deciding. One thread
    /// arms an operation that is overdue at once, then one with an hour to go; another expires
    /// concurrently, as the connection's timer does. The hour-long operations must never be cancelled.
    /// </summary>
    [Fact]
    public void Expire_RacingTheNextArm_NeverCancelsTheNextOperation()
    {
        var deadlines = new OperationDeadlines(_ => { });
        int wrongCancels = 0;
        using var stop = new CancellationTokenSource();
        var expirer = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
                deadlines.Expire(OperationDeadlines.Now + 10); // past every short deadline, long before an hour
        });
        expirer.Start();
        try
        {
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(3);
            for (int i = 0; i < 200_000 && DateTime.UtcNow < until; i++)
            {
                deadlines.ArmReceive(Short);
                deadlines.DisarmReceive();
                var token = deadlines.ArmReceive(OneHour);
                // Registered for as long as this operation owns its token: a late expiry of the short
                // operation that lands on this one is counted.
                using (token.Register(() => Interlocked.Increment(ref wrongCancels)))
                    deadlines.DisarmReceive();
            }
        }
        finally
        {
            stop.Cancel();
            expirer.Join();
        }
        Assert.Equal(0, wrongCancels);
    }

    [Fact]
    public void Expire_CancelsTheOverdueOperationOnly()
    {
        var deadlines = new OperationDeadlines(_ => { });
        var receive = deadlines.ArmReceive(Short);
        var send = deadlines.ArmSend(OneHour);

        deadlines.Expire(OperationDeadlines.Now + 10);

        Assert.True(receive.IsCancellationRequested);
        Assert.False(send.IsCancellationRequested);
    }

    [Fact]
    public void Arm_AfterAnExpiry_GetsATokenThatIsNotCancelled()
    {
        var deadlines = new OperationDeadlines(_ => { });
        var first = deadlines.ArmReceive(Short);
        deadlines.Expire(OperationDeadlines.Now + 10);
        deadlines.DisarmReceive();

        var second = deadlines.ArmReceive(OneHour);

        Assert.True(first.IsCancellationRequested);
        Assert.False(second.IsCancellationRequested);
    }

    [Fact]
    public void Arm_AsksForACheckOnlyWhenItsDeadlineComesBeforeTheScheduledOne()
    {
        var checks = new List<TimeSpan>();
        var deadlines = new OperationDeadlines(checks.Add);

        deadlines.ArmReceive(TimeSpan.FromSeconds(60));
        deadlines.DisarmReceive();
        deadlines.ArmReceive(TimeSpan.FromSeconds(60)); // later than the check already due: no new one
        deadlines.ArmSend(TimeSpan.FromSeconds(5)); // earlier: a check for it
        deadlines.ArmSend(null); // no timeout: no check

        Assert.Equal(2, checks.Count);
        Assert.InRange(checks[0], TimeSpan.FromSeconds(59), TimeSpan.FromSeconds(60));
        Assert.InRange(checks[1], TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Expire_WithAnOperationStillWaiting_AsksForTheNextCheck_AndWithNoneLeavesTheConnectionWithoutTimer()
    {
        var checks = new List<TimeSpan>();
        var deadlines = new OperationDeadlines(checks.Add);
        deadlines.ArmReceive(TimeSpan.FromSeconds(60));

        // Checked early (a timer may fire before the deadline): the next check is the deadline.
        Assert.InRange(deadlines.Expire(OperationDeadlines.Now)!.Value, TimeSpan.FromSeconds(59), TimeSpan.FromSeconds(60));

        // The operation ended: an idle connection is not checked again.
        deadlines.DisarmReceive();
        Assert.Null(deadlines.Expire(OperationDeadlines.Now));

        // The next operation, whatever its deadline, schedules a check again.
        checks.Clear();
        deadlines.ArmReceive(TimeSpan.FromSeconds(60));
        Assert.Single(checks);
    }
}
