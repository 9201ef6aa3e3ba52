namespace Cosocket.Actors.Connections;

/// <summary>Process-wide counts of how connections ended that an operator watches (the host's <c>/metrics</c>).</summary>
public static class ConnectionCounters
{
    private static long s_slowConsumerCloses;

    /// <summary>Connections closed because a message sent to them found their outgoing byte budget spent.</summary>
    public static long SlowConsumerCloses => Interlocked.Read(ref s_slowConsumerCloses);

    internal static void CountSlowConsumer() => Interlocked.Increment(ref s_slowConsumerCloses);
}
