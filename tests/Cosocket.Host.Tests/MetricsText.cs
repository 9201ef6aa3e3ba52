using System.Globalization;
using System.Text.RegularExpressions;

namespace Cosocket.Host.Tests;

/// <summary>Reads a value out of <c>/metrics</c> (the Prometheus text format OpenTelemetry writes).</summary>
internal static partial class MetricsText
{
    [GeneratedRegex("""^(?<name>[a-z_]+)(\{(?<labels>[^}]*)\})? (?<value>\S+)""")]
    private static partial Regex Sample();

    /// <summary>The sum of the samples of <paramref name="name"/> whose labels include every one of
    /// <paramref name="labels"/> (<c>node="…"</c>); null when there is none.</summary>
    public static long? Value(string text, string name, params (string Name, string Value)[] labels)
    {
        long? sum = null;
        foreach (string line in text.Split('\n'))
        {
            var sample = Sample().Match(line);
            if (!sample.Success || sample.Groups["name"].Value != name)
                continue;
            string found = sample.Groups["labels"].Value;
            if (labels.All(l => found.Contains($"{l.Name}=\"{l.Value}\"", StringComparison.Ordinal)))
                sum = (sum ?? 0) + (long)double.Parse(sample.Groups["value"].Value, CultureInfo.InvariantCulture);
        }
        return sum;
    }
}
