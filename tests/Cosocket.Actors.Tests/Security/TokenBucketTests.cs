using System.Threading.RateLimiting;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Pipeline;

namespace Cosocket.Actors.Tests.Security;

public class TokenBucketTests
{
    /// <summary>A clock the test moves.</summary>
    private sealed class ManualTime : TimeProvider
    {
        public long Ticks { get; set; }

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Ticks;

        public void Advance(TimeSpan by) => Ticks += by.Ticks;
    }

    [Fact]
    public void AttemptAcquire_BurstOfOneSecond_ThenRefusedWithTheWait()
    {
        var time = new ManualTime();
        var bucket = new TokenBucket(10, time);
        for (int i = 0; i < 10; i++)
            Assert.True(bucket.AttemptAcquire().IsAcquired);
        using var refused = bucket.AttemptAcquire(5);
        Assert.False(refused.IsAcquired);
        Assert.True(refused.TryGetMetadata(MetadataName.RetryAfter, out var wait));
        Assert.Equal(TimeSpan.FromSeconds(0.5), wait);
    }

    [Fact]
    public void AttemptAcquire_RefillsFromTheClock_UpToOneSecondsWorth()
    {
        var time = new ManualTime();
        var bucket = new TokenBucket(10, time);
        Assert.True(bucket.AttemptAcquire(10).IsAcquired);
        time.Advance(TimeSpan.FromSeconds(0.3));
        Assert.True(bucket.AttemptAcquire(3).IsAcquired);
        Assert.False(bucket.AttemptAcquire(1).IsAcquired);
        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(10, bucket.GetStatistics().CurrentAvailablePermits);
        Assert.Throws<ArgumentOutOfRangeException>(() => bucket.AttemptAcquire(11));
    }

    [Fact]
    public void IdleDuration_OnlyOnceFull()
    {
        var time = new ManualTime();
        var bucket = new TokenBucket(10, time);
        Assert.True(bucket.AttemptAcquire(10).IsAcquired);
        Assert.Null(bucket.IdleDuration);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(TimeSpan.FromSeconds(2), bucket.IdleDuration);
    }
}
