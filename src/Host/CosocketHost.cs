using Akka.Configuration;
using Akka.Hosting;
using Cosocket.Actors.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Cosocket.Host;

/// <summary>Builds the <c>cosocket</c> service: configuration from <c>akka.hocon</c>, the actor system, logging.</summary>
public static class CosocketHost
{
    /// <summary>The configuration file shipped beside the executable.</summary>
    public static string DefaultConfigPath => Path.Combine(AppContext.BaseDirectory, "akka.hocon");

    /// <param name="args">The command line: <c>--listen HOST:PORT</c>, and <c>--config FILE</c>, a HOCON
    /// file whose keys override those of the configuration file.</param>
    /// <param name="configPath">The configuration file; default <see cref="DefaultConfigPath"/>.</param>
    public static HostApplicationBuilder CreateBuilder(string[] args, string? configPath = null)
    {
        Config config = ConfigurationFactory.ParseString(File.ReadAllText(configPath ?? DefaultConfigPath));
        int overrides = Array.IndexOf(args, "--config");
        if (overrides >= 0 && overrides + 1 < args.Length)
            config = ConfigurationFactory.ParseString(File.ReadAllText(args[overrides + 1])).WithFallback(config);
        var serverOptions = ServerOptions.FromConfig(config.GetConfig("cosocket.server"));

        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.AddCommandLine(args, new Dictionary<string, string> { ["--listen"] = "Cosocket:Listen", ["--config"] = "Cosocket:Config" });
        builder.Services.AddSingleton(serverOptions);
        builder.Services.AddSingleton(HostSettings.From(config, builder.Configuration));
        builder.Services.AddAkka("cosocket", akka =>
        {
            akka.AddHocon(config, HoconAddMode.Prepend);
            akka.ConfigureLoggers(loggers =>
            {
                loggers.ClearLoggers();
                loggers.AddLoggerFactory();
            });
        });
        builder.Services.AddSingleton<WebSocketService>();
        builder.Services.AddHostedService(services => services.GetRequiredService<WebSocketService>());
        return builder;
    }
}
