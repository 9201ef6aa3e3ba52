namespace Cosocket.Actors.Connections;

/// <summary>Process-wide counts an operator watches (the host's <c>/metrics</c>): connections closed by a
/// policy, and rate-limit pauses.</summary>
public static class ConnectionCounters
{
    private static long s_slowConsumerCloses;

    /// <summary>Connections closed because a message sent to them found their outgoing byte budget spent.</summary>
    public static long SlowConsumerCloses => Interlocked.Read(ref s_slowConsumerCloses);

    private static readonly System.Diagnostics.Metrics.Counter<long> SlowConsumerCounter = CosocketTelemetry.Meter.CreateCounter<long>(
        "cosocket.slow_consumer.closes", description: "Connections closed with 1008 because a message sent to them found their outgoing byte budget spent.");

    private static readonly System.Diagnostics.Metrics.Counter<long> RateLimitPauseCounter = CosocketTelemetry.Meter.CreateCounter<long>(
        "cosocket.rate_limit.pauses", description: "Times a connection stopped reading because its peer sent faster than its rate limit.");

    private static readonly System.Diagnostics.Metrics.Counter<long> RateLimitCloseCounter = CosocketTelemetry.Meter.CreateCounter<long>(
        "cosocket.rate_limit.closes", description: "Connections closed with 1008 because their peer sent faster than their rate limit.");

    internal static void CountSlowConsumer()
    {
        Interlocked.Increment(ref s_slowConsumerCloses);
        SlowConsumerCounter.Add(1);
    }

    private static long s_rateLimitPauses;
    private static long s_rateLimitCloses;

    /// <summary>Times a connection stopped reading because its peer sent faster than its rate limit.</summary>
    public static long RateLimitPauses => Interlocked.Read(ref s_rateLimitPauses);

    /// <summary>Connections closed with 1008 because their peer sent faster than their rate limit.</summary>
    public static long RateLimitCloses => Interlocked.Read(ref s_rateLimitCloses);

    internal static void CountRateLimitPause()
    {
        Interlocked.Increment(ref s_rateLimitPauses);
        RateLimitPauseCounter.Add(1);
    }

    internal static void CountRateLimitClose()
    {
        Interlocked.Increment(ref s_rateLimitCloses);
        RateLimitCloseCounter.Add(1);
    }
}
