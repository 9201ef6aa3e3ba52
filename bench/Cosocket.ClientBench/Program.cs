using System.Diagnostics;
using System.Globalization;
using System.Net;
using Akka.Actor;
using Akka.Configuration;
using Cosocket.Actors.Client;
using Cosocket.Actors.Server;

// The client's benchmark (issue 4): connect latency and connections/s, fresh and pooled, and
// client-side echo throughput, against Cosocket's own server in the same process (one machine:
// client and server share its cores). Prints one Markdown row per measurement.
//   dotnet run -c Release --project bench/Cosocket.ClientBench [-- SECONDS]
double seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 5;
var system = ActorSystem.Create("client-bench", ConfigurationFactory.ParseString("akka.loglevel = WARNING"));
var routes = new WebSocketRoutes().Map("/echo", async request =>
{
    var (wb, _) = await WebSocketServer.NewAsync(request, new ServerOptions { Timeout = null });
    while (true)
    {
        var frame = await wb!.RecvFrameAsync();
        if (frame.IsError || frame.Type == "close")
            return;
        await wb.SendBinaryAsync(frame.Data);
    }
});
var binding = CosocketServer.Bind(system, new IPEndPoint(IPAddress.Loopback, 0), routes);
string uri = $"ws://{binding.EndPoint}/echo";
var options = new ClientOptions { Timeout = TimeSpan.FromSeconds(10) };

Console.WriteLine("| measurement | result | p50 µs | p99 µs |");
Console.WriteLine("|---|---:|---:|---:|");

// Fresh: TCP connect + HTTP upgrade, then close.
await Measure("connect, fresh (connect + upgrade + close)", "connections/s", async () =>
{
    var client = WebSocketClient.New(system, options).Client!;
    var (ok, err, _) = await client.ConnectAsync(uri, new ConnectOptions { Pool = "fresh" });
    if (ok is null)
        throw new InvalidOperationException(err);
    await client.CloseAsync();
});

// Pooled: connect hands out the idle connection (no TCP, no HTTP), set_keepalive returns it.
var warm = WebSocketClient.New(system, options).Client!;
await warm.ConnectAsync(uri, new ConnectOptions { Pool = "pooled" });
await warm.SetKeepaliveAsync();
await Measure("connect, pooled (connect reused + set_keepalive)", "connections/s", async () =>
{
    var client = WebSocketClient.New(system, options).Client!;
    var (_, _, res) = await client.ConnectAsync(uri, new ConnectOptions { Pool = "pooled" });
    if (res != "connection reused")
        throw new InvalidOperationException("not reused: " + res);
    await client.SetKeepaliveAsync();
});

// Echo: one client, 64 B binary messages, one in flight.
var echo = WebSocketClient.New(system, options).Client!;
await echo.ConnectAsync(uri);
var payload = new byte[64];
await Measure("client echo, 1 connection × 64 B, 1 in flight", "msg/s", async () =>
{
    await echo.SendBinaryAsync(payload);
    await echo.RecvFrameAsync();
});

// Echo: 50 clients at once.
var clients = new WebSocketClient[50];
for (int i = 0; i < clients.Length; i++)
{
    clients[i] = WebSocketClient.New(system, options).Client!;
    await clients[i].ConnectAsync(uri);
}
await MeasureConcurrent("client echo, 50 connections × 64 B, 1 in flight each", clients, async client =>
{
    await client.SendBinaryAsync(payload);
    await client.RecvFrameAsync();
});

await system.Terminate();

async Task Measure(string name, string unit, Func<Task> operation)
{
    for (var warmUntil = Stopwatch.GetTimestamp() + Stopwatch.Frequency; Stopwatch.GetTimestamp() < warmUntil;)
        await operation();
    var latencies = new List<long>();
    long start = Stopwatch.GetTimestamp(), end = start + (long)(seconds * Stopwatch.Frequency);
    while (Stopwatch.GetTimestamp() < end)
    {
        long before = Stopwatch.GetTimestamp();
        await operation();
        latencies.Add(Stopwatch.GetTimestamp() - before);
    }
    Report(name, unit, latencies, Stopwatch.GetTimestamp() - start);
}

async Task MeasureConcurrent(string name, WebSocketClient[] all, Func<WebSocketClient, Task> operation)
{
    var latencies = new List<long>();
    long start = Stopwatch.GetTimestamp(), end = start + (long)(seconds * Stopwatch.Frequency);
    await Task.WhenAll(all.Select(client => Task.Run(async () =>
    {
        var mine = new List<long>();
        while (Stopwatch.GetTimestamp() < end)
        {
            long before = Stopwatch.GetTimestamp();
            await operation(client);
            mine.Add(Stopwatch.GetTimestamp() - before);
        }
        lock (latencies)
            latencies.AddRange(mine);
    })));
    Report(name, "msg/s", latencies, Stopwatch.GetTimestamp() - start);
}

void Report(string name, string unit, List<long> latencies, long elapsed)
{
    latencies.Sort();
    double Percentile(double p) => latencies[(int)Math.Min(latencies.Count - 1, p * latencies.Count)] * 1e6 / Stopwatch.Frequency;
    double rate = latencies.Count / (elapsed / (double)Stopwatch.Frequency);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {rate:F0} {unit} | {Percentile(0.5):F0} | {Percentile(0.99):F0} |"));
}
