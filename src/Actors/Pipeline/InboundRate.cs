using System.Threading.RateLimiting;
using Cosocket.Actors.Connections;

namespace Cosocket.Actors.Pipeline;

/// <summary>
/// A connection's <see cref="RateLimitOptions"/> as the protocol stage applies them: each message
/// takes a token before it is handed on (one that finds none waits, and reading waits with it), and
/// the bytes of each chunk read are owed and paid before the next read. A chunk larger than the
/// bucket holds is paid in bucket-sized parts, so nothing goes uncounted.
/// </summary>
internal sealed class InboundRate(RateLimitOptions options)
{
    private readonly TokenBucket? _messages = options.MessagesPerSecond > 0 ? new TokenBucket(options.MessagesPerSecond) : null;
    private readonly TokenBucket? _bytes = options.BytesPerSecond > 0 ? new TokenBucket(options.BytesPerSecond) : null;
    private long _owedBytes;

    public RateLimitOptions Options => options;

    /// <summary>Null when a message may be handed on now (its token taken), else the wait until it may.</summary>
    public TimeSpan? TakeMessage() => _messages is null ? null : Take(_messages, 1);

    public void OweBytes(int count) => _owedBytes += _bytes is null ? 0 : count;

    /// <summary>Pays what it can of the bytes read; null when all is paid, else the wait until the rest could be.</summary>
    public TimeSpan? PayBytes()
    {
        while (_owedBytes > 0 && _bytes is not null)
        {
            int part = (int)Math.Min(_owedBytes, _bytes.Capacity);
            if (Take(_bytes, part) is { } wait)
                return wait;
            _owedBytes -= part;
        }
        return null;
    }

    private static TimeSpan? Take(TokenBucket bucket, int permits)
    {
        using var lease = bucket.AttemptAcquire(permits);
        if (lease.IsAcquired)
            return null;
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
    }
}
