using Akka.Configuration;
using Microsoft.Extensions.Configuration;

namespace Cosocket.Host;

/// <summary>
/// How this node joins an Akka.NET cluster: <c>cosocket.cluster</c> in HOCON, overridden by the
/// environment (<c>COSOCKET__CLUSTER__PORT</c>, <c>…__HOSTNAME</c>, <c>…__PUBLICHOSTNAME</c>,
/// <c>…__SEEDNODES</c> as comma-separated HOST:PORT, <c>…__BOOTSTRAP</c>) or the command line
/// (<c>--cluster-port</c>, <c>--cluster-host</c>, <c>--seed-node</c>, repeatable).
/// </summary>
/// <param name="Hostname">The address Akka.Remote binds.</param>
/// <param name="PublicHostname">The address other nodes reach this one at.</param>
/// <param name="Port">Akka.Remote's TCP port; 0 picks a free one (only for a node nobody needs to find).</param>
/// <param name="SeedNodes">HOST:PORT of the seed nodes; none: the node joins itself, a single-node cluster.</param>
/// <param name="Bootstrap"><c>seed-nodes</c>, or <c>kubernetes</c> (Akka.Management's cluster bootstrap
/// with Kubernetes API discovery; the seed nodes are then ignored).</param>
public sealed record ClusterSettings(string Hostname, string PublicHostname, int Port, IReadOnlyList<string> SeedNodes, string Bootstrap)
{
    /// <summary>The actor system's name: every node of a cluster has the same.</summary>
    public const string SystemName = "cosocket";

    public static ClusterSettings From(Config config, IConfiguration overrides)
    {
        string hostname = overrides["Cosocket:Cluster:Hostname"] ?? config.GetString("cosocket.cluster.hostname");
        string publicHostname = overrides["Cosocket:Cluster:PublicHostname"] ?? config.GetString("cosocket.cluster.public-hostname", "");
        string portText = overrides["Cosocket:Cluster:Port"] ?? config.GetInt("cosocket.cluster.port").ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!int.TryParse(portText, out int port) || port is < 0 or > 65535)
            throw new ConfigurationException($"cosocket.cluster.port: \"{portText}\" is not a port");
        IReadOnlyList<string> seeds = overrides["Cosocket:Cluster:SeedNodes"] is { } list
            ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [.. config.GetStringList("cosocket.cluster.seed-nodes")];
        foreach (string seed in seeds)
        {
            int colon = seed.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(seed[(colon + 1)..], out _))
                throw new ConfigurationException($"cosocket.cluster.seed-nodes: \"{seed}\" is not HOST:PORT");
        }
        string bootstrap = overrides["Cosocket:Cluster:Bootstrap"] ?? config.GetString("cosocket.cluster.bootstrap", "seed-nodes");
        if (bootstrap is not ("seed-nodes" or "kubernetes"))
            throw new ConfigurationException($"cosocket.cluster.bootstrap: \"{bootstrap}\" is neither seed-nodes nor kubernetes");
        return new ClusterSettings(hostname, publicHostname.Length == 0 ? hostname : publicHostname, port, seeds, bootstrap);
    }

    /// <summary>The Akka.Remote and seed-node settings these make.</summary>
    public Config ToHocon()
    {
        string seeds = string.Join(", ", SeedNodes.Select(seed => $"\"akka.tcp://{SystemName}@{seed}\""));
        return ConfigurationFactory.ParseString($$"""
            akka.remote.dot-netty.tcp {
              hostname = "{{Hostname}}"
              public-hostname = "{{PublicHostname}}"
              port = {{Port}}
            }
            akka.cluster.seed-nodes = [{{(Bootstrap == "kubernetes" ? "" : seeds)}}]
            """);
    }
}
