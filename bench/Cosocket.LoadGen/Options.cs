using System.Globalization;

namespace Cosocket.LoadGen;

/// <param name="Payload">binary (random bytes), ascii or multilingual (text frames of mixed 1- to 4-byte UTF-8), or json (chat-like JSON text).</param>
/// <param name="Rate">Messages per second per connection, sent on a fixed schedule (open loop); 0: closed loop, <c>InFlight</c> at a time.</param>
/// <param name="Deflate">Offer permessage-deflate without context takeover on either side; where agreed, every message is sent compressed.</param>
internal sealed record Options(string Mode, Uri Url, int Connections, int Size, int InFlight, double Seconds, double Warmup, string? HoldFile, string Payload, double Rate,
    bool Deflate)
{
    public static Options Parse(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("load" or "idle"))
            throw new ArgumentException("usage: load|idle --url URL [--connections N] [--size BYTES] [--in-flight K] [--seconds S] [--warmup S] [--hold-file PATH] [--payload binary|ascii|multilingual|json] [--rate MSG_PER_S_PER_CONNECTION] [--deflate on]");
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
            Get("payload", "binary") is var payload and ("binary" or "ascii" or "multilingual" or "json") ? payload : throw new ArgumentException("--payload: binary, ascii, multilingual or json"),
            double.Parse(Get("rate", "0"), CultureInfo.InvariantCulture),
            Get("deflate", "off") == "on");
    }
}
