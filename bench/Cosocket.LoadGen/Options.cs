using System.Globalization;

namespace Cosocket.LoadGen;

/// <param name="Payload">binary (random bytes), ascii or multilingual (text frames of mixed 1- to 4-byte UTF-8).</param>
/// <param name="Rate">Messages per second per connection, sent on a fixed schedule (open loop); 0: closed loop, <c>InFlight</c> at a time.</param>
internal sealed record Options(string Mode, Uri Url, int Connections, int Size, int InFlight, double Seconds, double Warmup, string? HoldFile, string Payload, double Rate)
{
    public static Options Parse(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("load" or "idle"))
            throw new ArgumentException("usage: load|idle --url URL [--connections N] [--size BYTES] [--in-flight K] [--seconds S] [--warmup S] [--hold-file PATH] [--payload binary|ascii|multilingual] [--rate MSG_PER_S_PER_CONNECTION]");
        var values = new Dictionary<string, string>();
        for (int i = 1; i + 1 < args.Length; i += 2)
            values[args[i].TrimStart('-')] = args[i + 1];
        string Get(string key, string fallback) => values.GetValueOrDefault(key, fallback);
        return new Options(args[0],
            new Uri(Get("url", "ws://127.0.0.1:8080/echo")),
            int.Parse(Get("connections", "50"), CultureInfo.InvariantCulture),
            int.Parse(Get("size", "64"), CultureInfo.InvariantCulture),
            int.Parse(Get("in-flight", "1"), CultureInfo.InvariantCulture),
            double.Parse(Get("seconds", "10"), CultureInfo.InvariantCulture),
            double.Parse(Get("warmup", "2"), CultureInfo.InvariantCulture),
            values.GetValueOrDefault("hold-file"),
            Get("payload", "binary") is var payload and ("binary" or "ascii" or "multilingual") ? payload : throw new ArgumentException("--payload: binary, ascii or multilingual"),
            double.Parse(Get("rate", "0"), CultureInfo.InvariantCulture));
    }
}
