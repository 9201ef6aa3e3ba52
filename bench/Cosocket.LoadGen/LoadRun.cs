using Cosocket.Bench.Shared;
using System.Diagnostics;

namespace Cosocket.LoadGen;

/// <param name="WireBytesPerEcho">The payload bytes of an echo as it arrived (compressed, when it was).</param>
internal sealed record LoadResult(long Messages, double Seconds, long Errors, long[] LatencyTicks, double WireBytesPerEcho)
{
    public double Percentile(double p)
    {
        if (LatencyTicks.Length == 0)
            return double.NaN;
        long ticks = LatencyTicks[(int)Math.Min(LatencyTicks.Length - 1, p * LatencyTicks.Length)];
        return ticks * 1e6 / Stopwatch.Frequency;
    }
}

/// <summary>
/// N connections, each keeping K binary messages of the given size in flight (K = 1: closed loop),
/// or, with a rate, each sending on a fixed schedule whatever the echoes do (open loop: a server
/// that stalls does not slow the sends, so the messages behind a stall show its cost). A message's
/// latency is from just before its send to the arrival of its echo. The first <c>warmup</c> seconds
/// are not counted.
/// </summary>
internal static class LoadRun
{
    public static async Task<LoadResult> RunAsync(Options options)
    {
        var connections = new Connection[options.Connections];
        for (int i = 0; i < connections.Length; i++)
            connections[i] = await Connection.OpenAsync(options.Url, options.Deflate);
        if (options.Deflate && !connections.All(c => c.Compressing))
            throw new IOException("the server did not agree to permessage-deflate");

        long start = Stopwatch.GetTimestamp();
        long measureFrom = start + (long)(options.Warmup * Stopwatch.Frequency);
        long end = measureFrom + (long)(options.Seconds * Stopwatch.Frequency);
        var perConnection = await Task.WhenAll(connections.Select(c => Task.Run(() => DriveAsync(c, options, measureFrom, end))));
        foreach (var connection in connections)
            await connection.DisposeAsync();

        var latencies = perConnection.SelectMany(r => r.Latencies).ToArray();
        Array.Sort(latencies);
        long echoes = perConnection.Sum(r => r.Echoes);
        return new LoadResult(latencies.Length, options.Seconds, perConnection.Sum(r => r.Errors), latencies,
            echoes == 0 ? 0 : (double)perConnection.Sum(r => r.WireBytes) / echoes);
    }

    private static async Task<(List<long> Latencies, long Errors, long WireBytes, long Echoes)> DriveAsync(Connection connection, Options options, long measureFrom, long end)
    {
        var (opcode, payload) = MakePayload(options);
        // Without context takeover every send of the same message is compressed alike: made once.
        byte[] wire = connection.Compressing ? Connection.Deflate(payload) : payload;
        long wireBytes = 0, echoes = 0;
        bool checkedEcho = false;
        var latencies = new List<long>(1 << 16);
        var sentAt = new Queue<long>();
        long errors = 0;
        bool sending = true;
        // At a fixed rate nothing limits what is in flight: the schedule alone paces the sends.
        using var window = new SemaphoreSlim(options.Rate > 0 ? int.MaxValue / 2 : options.InFlight);
        long interval = options.Rate > 0 ? (long)(Stopwatch.Frequency / options.Rate) : 0;
        // Connections start spread over one interval, so that they do not all send at once.
        long scheduled = Stopwatch.GetTimestamp() + (interval > 0 ? Random.Shared.NextInt64(interval) : 0);
        // Set once sending has stopped and every echo has come back.
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        _ = Task.Run(async () =>
        {
            while (!drained.Task.IsCompleted)
            {
                try
                {
                    var frame = await connection.ReceiveAsync();
                    wireBytes += frame.Payload.Length;
                    echoes++;
                    if (frame.Compressed && !checkedEcho)
                    {
                        // The first compressed echo is inflated and compared; the others are counted.
                        checkedEcho = true;
                        if (!Connection.Inflate(frame.Payload.Span).AsSpan().SequenceEqual(payload))
                            Interlocked.Increment(ref errors);
                    }
                    else if (!frame.Compressed && frame.Payload.Length != options.Size)
                        Interlocked.Increment(ref errors);
                }
                catch (IOException)
                {
                    if (!drained.Task.IsCompleted)
                        Interlocked.Increment(ref errors);
                    drained.TrySetResult();
                    return;
                }
                long now = Stopwatch.GetTimestamp();
                lock (sentAt)
                {
                    long sent = sentAt.Dequeue();
                    if (sent >= measureFrom && now <= end)
                        latencies.Add(now - sent);
                    if (!sending && sentAt.Count == 0)
                        drained.TrySetResult();
                }
                window.Release();
            }
        });

        while (Stopwatch.GetTimestamp() < end)
        {
            await window.WaitAsync();
            if (interval > 0)
            {
                long wait = scheduled - Stopwatch.GetTimestamp();
                if (wait > 0)
                    await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency));
                scheduled += interval;
            }
            byte[] frame = connection.MakeFrame(opcode, wire, connection.Compressing);
            lock (sentAt)
                sentAt.Enqueue(Stopwatch.GetTimestamp());
            await connection.SendAsync(frame);
        }
        lock (sentAt)
        {
            sending = false;
            if (sentAt.Count == 0)
                drained.TrySetResult();
        }
        // The echoes still in flight must come back (bounded: a server that stops answering is an error).
        if (await Task.WhenAny(drained.Task, Task.Delay(TimeSpan.FromSeconds(10))) != drained.Task)
            Interlocked.Increment(ref errors);
        lock (sentAt)
            return (latencies.ToList(), Interlocked.Read(ref errors), wireBytes, echoes);
    }

    /// <summary>Random bytes in binary frames, or text of exactly the size in text frames.</summary>
    private static (int Opcode, byte[] Payload) MakePayload(Options options)
    {
        if (options.Payload == "binary")
        {
            var bytes = new byte[options.Size];
            Random.Shared.NextBytes(bytes);
            return (0x2, bytes);
        }
        if (options.Payload == "json")
            return (0x1, SampleText.Json(options.Size));
        return (0x1, SampleText.Repeat(options.Payload == "ascii" ? SampleText.Ascii : SampleText.Multilingual, options.Size));
    }
}
