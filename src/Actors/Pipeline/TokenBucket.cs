using System.Threading.RateLimiting;

namespace Cosocket.Actors.Pipeline;

/// <summary>
/// A token bucket that refills from the clock when it is asked, not from a timer: the bucket of
/// <c>System.Threading.RateLimiting</c> either runs a periodic timer per limiter (which would make
/// every idle connection tick) or refills only when told to, without regard to time. This one holds
/// up to one second's worth of tokens and has no queue: a request it cannot grant now is refused
/// with the time after which it could be (<see cref="MetadataName.RetryAfter"/>).
/// </summary>
internal sealed class TokenBucket : RateLimiter
{
    private readonly double _perSecond;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private double _tokens;
    private long _refilledAt;
    private long _usedAt;
    private long _granted;
    private long _refused;

    public TokenBucket(double perSecond, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perSecond);
        _perSecond = perSecond;
        _time = time ?? TimeProvider.System;
        _tokens = perSecond;
        _refilledAt = _usedAt = _time.GetTimestamp();
    }

    /// <summary>The most one request may take: a second's worth, at least 1.</summary>
    public int Capacity => (int)Math.Clamp(_perSecond, 1, int.MaxValue);

    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (_lock)
            {
                Refill();
                return _tokens >= _perSecond ? _time.GetElapsedTime(_usedAt) : null;
            }
        }
    }

    public override RateLimiterStatistics GetStatistics()
    {
        lock (_lock)
        {
            Refill();
            return new RateLimiterStatistics
            {
                CurrentAvailablePermits = (long)_tokens,
                TotalSuccessfulLeases = _granted,
                TotalFailedLeases = _refused,
            };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(permitCount, Capacity);
        lock (_lock)
        {
            Refill();
            _usedAt = _refilledAt;
            if (_tokens >= permitCount)
            {
                _tokens -= permitCount;
                _granted++;
                return Lease.Granted;
            }
            _refused++;
            return new Lease(TimeSpan.FromSeconds((permitCount - _tokens) / _perSecond));
        }
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount));

    private void Refill()
    {
        long now = _time.GetTimestamp();
        _tokens = Math.Min(_perSecond, _tokens + _time.GetElapsedTime(_refilledAt, now).TotalSeconds * _perSecond);
        _refilledAt = now;
    }

    private sealed class Lease(TimeSpan? retryAfter) : RateLimitLease
    {
        public static Lease Granted { get; } = new(null);

        public override bool IsAcquired => retryAfter is null;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter;
            return retryAfter is not null && metadataName == MetadataName.RetryAfter.Name;
        }
    }
}
