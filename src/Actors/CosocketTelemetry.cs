using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Cosocket.Actors;

/// <summary>
/// Cosocket's telemetry, the .NET way: one <see cref="Meter"/> and one <see cref="ActivitySource"/>,
/// both named <see cref="Name"/>, for any listener (OpenTelemetry's <c>AddMeter("Cosocket")</c> and
/// <c>AddSource("Cosocket")</c>; the host exports the meter at <c>/metrics</c>). Instruments cost
/// next to nothing while nobody listens.
/// </summary>
public static class CosocketTelemetry
{
    public const string Name = "Cosocket";

    private static readonly string? Version = typeof(CosocketTelemetry).Assembly.GetName().Version?.ToString();

    public static Meter Meter { get; } = new(Name, Version);

    /// <summary>Activities: <c>cosocket.handshake</c> (an upgrade request, from its head to the
    /// handler's answer) and <c>cosocket.deliver</c> (a send to a connection, a user or a topic).</summary>
    public static ActivitySource Activities { get; } = new(Name, Version);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<LiveConnections, bool> s_listeners = new();

    private static readonly ObservableGauge<int> Connections = Meter.CreateObservableGauge(
        "cosocket.connections", () => s_listeners.Keys.Select(l => new Measurement<int>(l.Count, new KeyValuePair<string, object?>("listener", l.Listener))),
        description: "Live WebSocket connections, per listener.");

    private static readonly ObservableGauge<int> CompressionContexts = Meter.CreateObservableGauge(
        "cosocket.compression.contexts", () => new[]
        {
            new Measurement<int>(Protocol.Deflate.CompressionContexts.Shared.LiveDeflaters, new KeyValuePair<string, object?>("kind", "deflate")),
            new Measurement<int>(Protocol.Deflate.CompressionContexts.Shared.LiveInflaters, new KeyValuePair<string, object?>("kind", "inflate")),
        },
        description: "permessage-deflate contexts alive in the process (idle pooled ones included), by kind; deflaters are bounded by max-contexts.");

    /// <summary>A listener's live connections, counted by its registry (one writer), read by the gauge.</summary>
    internal sealed class LiveConnections(string listener)
    {
        private int _count;

        public string Listener => listener;

        public int Count => Volatile.Read(ref _count);

        public void Add(int delta) => Volatile.Write(ref _count, _count + delta);
    }

    internal static void Observe(LiveConnections listener) => s_listeners[listener] = true;

    internal static void StopObserving(LiveConnections listener) => s_listeners.TryRemove(listener, out _);

    internal static readonly Counter<long> Handshakes =
        Meter.CreateCounter<long>("cosocket.handshakes", description: "Upgrade requests by outcome: upgraded, or the HTTP status they were refused with.");

    internal static readonly Counter<long> MessagesReceived =
        Meter.CreateCounter<long>("cosocket.messages.received", description: "Whole messages received on the message layer.");

    internal static readonly Counter<long> MessagesSent =
        Meter.CreateCounter<long>("cosocket.messages.sent", description: "Messages sent on the message layer, told or delivered.");

    internal static readonly Counter<long> BytesReceived =
        Meter.CreateCounter<long>("cosocket.received", unit: "By", description: "Bytes read from WebSocket connections, frame headers included.");

    internal static readonly Counter<long> BytesSent =
        Meter.CreateCounter<long>("cosocket.sent", unit: "By", description: "Bytes written to WebSocket connections, frame headers included.");

    internal static readonly Counter<long> Closes =
        Meter.CreateCounter<long>("cosocket.closes", description: "Close frames by side (local: this side sent it first; peer) and code.");

    internal static readonly Counter<long> Deliveries =
        Meter.CreateCounter<long>("cosocket.deliveries", description: "Sends to a connection, a user or a topic, by target and outcome.");

    internal static readonly Histogram<double> SendDuration = Meter.CreateHistogram<double>("cosocket.send.duration", unit: "ms",
        description: "How long an awaited send took, until written.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 1000, 5000] });

    internal static void CountHandshake(string outcome) => Handshakes.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>An upgrade, with the HTTP version it came over (OpenTelemetry's <c>network.protocol.version</c>:
    /// <c>1.1</c>, or <c>2</c> for an RFC 8441 extended CONNECT behind Kestrel).</summary>
    internal static void CountUpgrade(string httpVersion) => Handshakes.Add(1, new KeyValuePair<string, object?>("outcome", "upgraded"),
        new KeyValuePair<string, object?>("network.protocol.version", httpVersion.StartsWith("HTTP/", StringComparison.Ordinal) ? httpVersion[5..] : httpVersion));

    internal static void CountClose(string side, int? code) =>
        Closes.Add(1, new KeyValuePair<string, object?>("side", side), new KeyValuePair<string, object?>("code", code?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"));

    internal static void CountDelivery(string target, string? err) =>
        Deliveries.Add(1, new KeyValuePair<string, object?>("target", target), new KeyValuePair<string, object?>("outcome", err ?? "delivered"));
}
