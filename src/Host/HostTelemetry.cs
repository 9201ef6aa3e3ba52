using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Akka.Cluster;
using Cosocket.Actors;

namespace Cosocket.Host;

/// <summary>
/// The host's own instruments on the <c>Cosocket</c> meter: the process's memory, and, per cluster
/// node (tag <c>node</c>), its view of the cluster and its pending membership long polls. Created once
/// per process; each running node registers what its gauges read.
/// </summary>
internal static class HostTelemetry
{
    /// <summary>What a running node's gauges read.</summary>
    internal sealed record Node(string Address, Cluster Cluster, Func<int> MemberPolls);

    private static readonly ConcurrentDictionary<Node, bool> s_nodes = new();
    private static readonly Meter Meter = CosocketTelemetry.Meter;

    // Held so that they live as long as the process: the meter keeps a reference too.
    private static readonly object[] s_instruments =
    [
        Meter.CreateObservableGauge("cosocket.process.resident", () => Environment.WorkingSet, unit: "By",
            description: "Resident memory of this process."),
        Meter.CreateObservableGauge("cosocket.gc.committed", () => GC.GetGCMemoryInfo().TotalCommittedBytes, unit: "By",
            description: "Memory the .NET garbage collector has committed (heaps and fragmentation)."),
        Meter.CreateObservableCounter("cosocket.gc.allocated", () => GC.GetTotalAllocatedBytes(), unit: "By",
            description: "Bytes allocated on the managed heap since the process started."),
        Meter.CreateObservableGauge("cosocket.gc.heap", () => GC.GetTotalMemory(forceFullCollection: false), unit: "By",
            description: "Bytes the .NET garbage collector counts as allocated now (live objects and garbage not yet collected)."),
        Meter.CreateObservableGauge("cosocket.http.member_polls",
            () => s_nodes.Keys.Select(n => new Measurement<int>(n.MemberPolls(), Tag(n))),
            description: "Membership long polls (GET /api/cluster/members?count=N) waiting on this node."),
        Meter.CreateObservableGauge("cosocket.cluster.members",
            () => s_nodes.Keys.SelectMany(n => n.Cluster.State.Members.GroupBy(m => m.Status).Select(g =>
                new Measurement<int>(g.Count(), Tag(n), new KeyValuePair<string, object?>("status", g.Key.ToString().ToLowerInvariant())))),
            description: "Cluster members as this node sees them, by status."),
        Meter.CreateObservableGauge("cosocket.cluster.unreachable",
            () => s_nodes.Keys.Select(n => new Measurement<int>(n.Cluster.State.Unreachable.Count, Tag(n))),
            description: "Cluster members this node cannot reach now."),
    ];

    public static void Observe(Node node)
    {
        _ = s_instruments.Length;
        s_nodes[node] = true;
    }

    public static void StopObserving(Node node) => s_nodes.TryRemove(node, out _);

    private static KeyValuePair<string, object?> Tag(Node node) => new("node", node.Address);
}
