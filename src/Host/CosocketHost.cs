using Akka.Configuration;
using Akka.Discovery.KubernetesApi;
using Akka.Hosting;
using Akka.Management;
using Akka.Management.Cluster.Bootstrap;
using Cosocket.Actors.Cluster;
using Cosocket.Actors.Security;
using Cosocket.Actors.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Cosocket.Host;

/// <summary>Builds the <c>cosocket</c> service: configuration from <c>akka.hocon</c>, the actor system
/// (a cluster node), the WebSocket listener, the HTTP side, logging.</summary>
public static class CosocketHost
{
    public const string ServeUsage = "usage: cosocket [serve] [--listen HOST:PORT] [--http-listen HOST:PORT] [--config FILE] " +
        "[--cluster-host HOST] [--cluster-port PORT] [--seed-node HOST:PORT]...";

    /// <summary>The command-line options of <c>cosocket serve</c> and the configuration keys they set.</summary>
    private static readonly Dictionary<string, string> Switches = new()
    {
        ["--listen"] = "Cosocket:Listen",
        ["--http-listen"] = "Cosocket:Http:Listen",
        ["--config"] = "Cosocket:Config",
        ["--cluster-host"] = "Cosocket:Cluster:Hostname",
        ["--cluster-port"] = "Cosocket:Cluster:Port",
        ["--seed-node"] = "Cosocket:Cluster:SeedNodes",
    };

    /// <summary>The version the executable was built as (the package's version, without build metadata).</summary>
    public static string Version =>
        (typeof(CosocketHost).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "0.0.0").Split('+')[0];

    /// <summary>The configuration file shipped beside the executable.</summary>
    public static string DefaultConfigPath => Path.Combine(AppContext.BaseDirectory, "akka.hocon");

    /// <summary>
    /// <paramref name="args"/> as configuration keys (a repeated <c>--seed-node</c> becomes one
    /// comma-separated list), or null when they are not <c>cosocket serve</c>'s.
    /// </summary>
    public static Dictionary<string, string?>? ParseArguments(string[] args)
    {
        var values = new Dictionary<string, string?>();
        for (int i = 0; i < args.Length; i += 2)
        {
            if (i + 1 >= args.Length || !Switches.TryGetValue(args[i], out string? key))
                return null;
            values[key] = values.TryGetValue(key, out string? earlier) && args[i] == "--seed-node" ? earlier + "," + args[i + 1] : args[i + 1];
        }
        return values;
    }

    /// <summary>The configuration file (<paramref name="configPath"/>, default <see cref="DefaultConfigPath"/>)
    /// with the keys of <paramref name="overridesFile"/> (<c>--config FILE</c>), when given, over it.</summary>
    public static Config LoadConfig(string? overridesFile, string? configPath = null)
    {
        Config config = ConfigurationFactory.ParseString(File.ReadAllText(configPath ?? DefaultConfigPath));
        return overridesFile is null ? config : ConfigurationFactory.ParseString(File.ReadAllText(overridesFile)).WithFallback(config);
    }

    /// <param name="args">The options of <c>cosocket serve</c> (see <see cref="ServeUsage"/>); <c>--config FILE</c>
    /// is a HOCON file whose keys override those of the configuration file.</param>
    /// <param name="configPath">The configuration file; default <see cref="DefaultConfigPath"/>.</param>
    public static HostApplicationBuilder CreateBuilder(string[] args, string? configPath = null)
    {
        var arguments = ParseArguments(args) ?? throw new ArgumentException(ServeUsage, nameof(args));
        Config config = LoadConfig(arguments.GetValueOrDefault("Cosocket:Config"), configPath);
        var serverOptions = ServerOptions.FromConfig(config.GetConfig("cosocket.server"));

        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(arguments); // after the environment: the command line wins
        var settings = HostSettings.From(config, builder.Configuration);
        var auth = HostAuth.Create(settings);
        serverOptions = serverOptions with { Authenticator = auth.Jwt?.Authenticator };
        // COSOCKET__ALLOWEDORIGINS (comma-separated) wins over cosocket.server.allowed-origins: a
        // deployment knows the origins its pages are published at (deploy/compose.yaml).
        if (builder.Configuration["Cosocket:AllowedOrigins"] is { } origins)
        {
            serverOptions = serverOptions with
            {
                Origins = OriginPolicy.SameOrigin with { AllowedOrigins = [.. origins.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)] },
            };
        }
        builder.Services.AddSingleton(serverOptions);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(auth);
        builder.Services.AddAkka(ClusterSettings.SystemName, akka =>
        {
            akka.AddHocon(settings.Cluster!.ToHocon().WithFallback(config).WithFallback(CosocketCluster.DefaultConfig), HoconAddMode.Prepend);
            akka.ConfigureLoggers(loggers =>
            {
                loggers.ClearLoggers();
                loggers.AddLoggerFactory();
            });
            if (settings.Cluster.Bootstrap == "kubernetes")
            {
                // deploy/k8s: the pods find each other through the Kubernetes API (label app=cosocket)
                // and form the cluster through their Akka.Management endpoints (port "management").
                akka.WithAkkaManagement(port: 8558)
                    .WithClusterBootstrap(serviceName: "cosocket", portName: "management", requiredContactPoints: 2)
                    .WithKubernetesDiscovery(podLabelSelector: "app=cosocket");
            }
        });
        // Everything ends within the drain timeout (the WebSocket drain and the HTTP side's shutdown
        // run together), plus a margin for the actor system's own stop.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = settings.DrainTimeout + TimeSpan.FromSeconds(5));
        // The HTTP side starts first (the listener accepts its page's origin, which has its port);
        // it answers 503 until the listener is bound.
        builder.Services.AddSingleton<HttpApi>();
        builder.Services.AddHostedService(services => services.GetRequiredService<HttpApi>());
        builder.Services.AddSingleton<WebSocketService>();
        builder.Services.AddHostedService(services => services.GetRequiredService<WebSocketService>());
        return builder;
    }
}
