using System.Diagnostics.Metrics;

namespace Cosocket.Tests;

/// <summary>Counts, from its creation on, the upgrades over HTTP/2 that Cosocket's meter reports in this
/// process (<c>cosocket.handshakes</c> with <c>network.protocol.version</c> 2: <c>cosocket_handshakes_total</c>).</summary>
internal sealed class Http2UpgradeCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _count;

    public Http2UpgradeCounter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument is { Meter.Name: "Cosocket", Name: "cosocket.handshakes" })
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag is { Key: "network.protocol.version", Value: "2" })
                    Interlocked.Add(ref _count, value);
            }
        });
        _listener.Start();
    }

    public long Count => Interlocked.Read(ref _count);

    public void Dispose() => _listener.Dispose();
}
