using System.Diagnostics;
using System.Globalization;
using Cosocket.LoadGen;

// One load generator for every server under test, so that only the server differs.
//   load  --url ws://127.0.0.1:PORT/echo --connections 50 --size 64 --in-flight 1 --seconds 10 [--warmup 2]
//   idle  --url ws://127.0.0.1:PORT/echo --connections 10000 --hold-file PATH
// `load` prints one line of key=value results. `idle` opens the connections, writes "ready" to the
// hold file, and keeps them open until the file is deleted.
//   broadcast --urls ws://N1,ws://N2,… --connections 1000 --messages 100   (against cosocket's /connect)
//   latency --urls ws://FROM,ws://TO --messages 2000
if (args.Length > 0 && args[0] is "broadcast" or "latency")
{
    var named = new Dictionary<string, string>();
    for (int i = 1; i + 1 < args.Length; i += 2)
        named[args[i].TrimStart('-')] = args[i + 1];
    var urls = named["urls"].Split(',').Select(u => new Uri(u)).ToArray();
    int messages = int.Parse(named.GetValueOrDefault("messages", "100"), CultureInfo.InvariantCulture);
    Console.WriteLine(args[0] == "broadcast"
        ? await ClusterRun.BroadcastAsync(urls, int.Parse(named.GetValueOrDefault("connections", "1000"), CultureInfo.InvariantCulture), messages)
        : await ClusterRun.LatencyAsync(urls[0], urls[^1], messages));
    return 0;
}
var options = Options.Parse(args);
if (options.Mode == "idle")
{
    await IdleRun.RunAsync(options);
    return 0;
}
var result = await LoadRun.RunAsync(options);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"messages={result.Messages} seconds={result.Seconds:F2} msg_per_s={result.Messages / result.Seconds:F0} " +
    $"mb_per_s={result.Messages * (double)options.Size / result.Seconds / 1e6:F1} " +
    $"p50_us={result.Percentile(0.50):F0} p99_us={result.Percentile(0.99):F0} errors={result.Errors} echo_wire_bytes={result.WireBytesPerEcho:F0}"));
return result.Errors == 0 ? 0 : 1;
