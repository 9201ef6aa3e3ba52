using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Cosocket.LoadGen;

/// <summary>
/// Issue 6's benchmarks against a running cluster, through its <c>/connect</c> endpoint:
/// <c>broadcast</c> subscribes connections (spread round-robin over the given nodes) to a topic and
/// publishes to it from one more connection on the first node, measuring deliveries per second;
/// <c>latency</c> sends from a connection on the first node to one on the last, by connection id,
/// one message at a time, measuring the time to arrive.
/// </summary>
internal static class ClusterRun
{
    /// <summary><c>/connect</c> on <paramref name="node"/> with the token in <c>LOADGEN_ACCESS_TOKEN</c>
    /// (run_cluster.py mints one with <c>cosocket token</c>): the endpoint needs an identity.</summary>
    private static Uri Connect(Uri node, string query = "") =>
        new(node, "/connect?access_token=" + Environment.GetEnvironmentVariable("LOADGEN_ACCESS_TOKEN") + (query.Length > 0 ? "&" + query : ""));

    public static async Task<string> BroadcastAsync(Uri[] nodes, int connections, int messages)
    {
        string topic = "bench-" + Guid.NewGuid().ToString("N")[..8];
        var subscribers = await Task.WhenAll(Enumerable.Range(0, connections).Select(async i =>
        {
            var connection = await Connection.OpenAsync(Connect(nodes[i % nodes.Length], $"topic={topic}"));
            await connection.ReceiveAsync(); // the welcome
            return connection;
        }));
        await using var publisher = await Connection.OpenAsync(Connect(nodes[0]));
        await publisher.ReceiveAsync();

        // Gossip spreads the subscriptions: publish probes until every subscriber has had one.
        var probed = new int[connections];
        var received = new int[connections];
        var readers = subscribers.Select((subscriber, i) => Task.Run(async () =>
        {
            while (true)
            {
                var frame = await subscriber.ReceiveAsync();
                if (!frame.Payload.Span.StartsWith("m "u8))
                    Volatile.Write(ref probed[i], 1);
                else if (++received[i] == messages)
                    return Stopwatch.GetTimestamp();
            }
        })).ToArray();
        for (int probe = 0; Enumerable.Range(0, connections).Any(i => Volatile.Read(ref probed[i]) == 0); probe++)
        {
            if (probe > 150)
                throw new TimeoutException("the subscriptions did not spread over the cluster in 30 s");
            await Publish(publisher, topic, $"probe {probe}");
            await Task.Delay(200);
        }
        long firstReal = Stopwatch.GetTimestamp();
        for (int m = 0; m < messages; m++)
            await Publish(publisher, topic, $"m {m}");
        var finished = await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(120));
        double seconds = (finished.Max() - firstReal) / (double)Stopwatch.Frequency;
        foreach (var subscriber in subscribers)
            await subscriber.DisposeAsync();
        long deliveries = (long)connections * messages;
        return string.Create(CultureInfo.InvariantCulture,
            $"connections={connections} nodes={nodes.Length} messages={messages} deliveries={deliveries} seconds={seconds:F2} deliveries_per_s={deliveries / seconds:F0}");
    }

    private static async Task Publish(Connection publisher, string topic, string text)
    {
        var command = new JsonObject { ["op"] = "publish", ["topic"] = topic, ["text"] = text };
        await publisher.SendAsync(publisher.MakeFrame(0x1, Encoding.UTF8.GetBytes(command.ToJsonString())));
        await publisher.ReceiveAsync(); // its result
    }

    public static async Task<string> LatencyAsync(Uri from, Uri to, int messages)
    {
        await using var sender = await Connection.OpenAsync(Connect(from));
        await sender.ReceiveAsync();
        await using var receiver = await Connection.OpenAsync(Connect(to));
        string id = JsonNode.Parse(Encoding.UTF8.GetString((await receiver.ReceiveAsync()).Payload.Span))!["connection"]!.GetValue<string>();
        var latencies = new List<double>(messages);
        for (int i = -100; i < messages; i++) // the first 100 warm up
        {
            var command = new JsonObject { ["op"] = "send", ["connection"] = id, ["text"] = $"{i}" };
            long sent = Stopwatch.GetTimestamp();
            await sender.SendAsync(sender.MakeFrame(0x1, Encoding.UTF8.GetBytes(command.ToJsonString())));
            await receiver.ReceiveAsync();
            long arrived = Stopwatch.GetTimestamp();
            await sender.ReceiveAsync(); // the command's result
            if (i >= 0)
                latencies.Add((arrived - sent) * 1e6 / Stopwatch.Frequency);
        }
        latencies.Sort();
        return string.Create(CultureInfo.InvariantCulture,
            $"messages={messages} p50_us={latencies[latencies.Count / 2]:F0} p99_us={latencies[(int)(latencies.Count * 0.99)]:F0}");
    }
}
