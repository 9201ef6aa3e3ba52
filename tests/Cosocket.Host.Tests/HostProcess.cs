using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace Cosocket.Host.Tests;

/// <summary>A <c>cosocket serve</c> process on free ports, alone in its cluster.</summary>
internal sealed class HostProcess : IDisposable
{
    private readonly PeerProcess _process;
    private readonly HttpClient _http;

    private HostProcess(PeerProcess process, int wsPort, int httpPort, string token)
    {
        _process = process;
        WsPort = wsPort;
        _http = TestTokens.AdminClient(Peer.Patience, new Uri($"http://127.0.0.1:{httpPort}"));
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    /// <summary>The process's own output so far.</summary>
    public string Output => _process.Output;

    /// <summary>Descriptors the process has open now.</summary>
    public int OpenDescriptors => Directory.GetFiles($"/proc/{_process.Id}/fd").Length;

    public int WsPort { get; }

    /// <summary>Starts the host with the publish API's <paramref name="token"/> and, when given, a HOCON
    /// <paramref name="config"/> layered over akka.hocon. It runs with a 4 MiB generation-0 budget
    /// (<c>DOTNET_GCgen0MaxBudget</c>), so that memory measured is memory held, not garbage the
    /// collector has not been asked to collect yet.</summary>
    public static async Task<HostProcess> StartAsync(string token = "test-token", string? config = null)
    {
        int ws = ClusterNodes.FreePort(), http = ClusterNodes.FreePort();
        string? configFile = null;
        if (config is not null)
        {
            configFile = Path.GetTempFileName();
            await File.WriteAllTextAsync(configFile, config);
        }
        var process = PeerProcess.Start(PeerProcess.CosocketExecutable,
            ["serve", "--listen", $"127.0.0.1:{ws}", "--http-listen", $"127.0.0.1:{http}", "--cluster-port", "0", .. configFile is null ? [] : new[] { "--config", configFile }],
            Path.GetDirectoryName(PeerProcess.CosocketExecutable), watchFor: "cosocket HTTP on",
            environment: new Dictionary<string, string> { ["COSOCKET__HTTP__TOKEN"] = token, ["DOTNET_GCgen0MaxBudget"] = "0x400000" });
        await process.WaitForWatchedAsync(Peer.Patience);
        return new HostProcess(process, ws, http, token);
    }

    public async Task<string> MetricsAsync() => await _http.GetStringAsync("/metrics");

    /// <summary>The value of a gauge or counter of <c>/metrics</c>.</summary>
    public async Task<long> MetricAsync(string name) => Metric(await MetricsAsync(), name);

    private static long Metric(string metrics, string name) =>
        MetricsText.Value(metrics, name) ?? throw new Xunit.Sdk.XunitException($"no {name} in /metrics:\n{metrics}");

    /// <summary>Resident memory and the GC heap, as the process reports them in <c>/metrics</c>.</summary>
    public async Task<(long Resident, long Heap)> MemoryAsync()
    {
        string metrics = await MetricsAsync();
        return (Metric(metrics, "cosocket_process_resident_bytes"), Metric(metrics, "cosocket_gc_heap_bytes"));
    }

    public async Task<HttpStatusCode> PublishAsync(string topic, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await _http.PostAsync($"/api/topics/{topic}", content);
        return response.StatusCode;
    }

    public void Dispose()
    {
        _http.Dispose();
        _process.Dispose();
    }
}
