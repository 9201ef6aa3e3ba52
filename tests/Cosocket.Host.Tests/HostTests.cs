using Akka.Actor;
using Cosocket.Actors.Server;
using Cosocket.Host;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Cosocket.Host.Tests;

public class HostTests
{
    [Fact]
    public async Task Host_StartsItsActorSystemWithTheShippedConfig_AndStopsCleanly()
    {
        using var host = CosocketHost.CreateBuilder(["--listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0", "--cluster-port", "0"]).Build();
        await host.StartAsync();

        var system = host.Services.GetRequiredService<ActorSystem>();
        Assert.Equal("cosocket", system.Name);
        Assert.Equal(65535, system.Settings.Config.GetLong("cosocket.server.max-payload-len"));
        // The shipped file checks Origin (the library's own default does not), and a JWT key is configured (these tests' secret).
        var options = host.Services.GetRequiredService<ServerOptions>();
        Assert.Equal(new ServerOptions { Origins = Cosocket.Actors.Security.OriginPolicy.SameOrigin, Compression = new Cosocket.Actors.Connections.CompressionOptions() },
            options with { Authenticator = null });
        Assert.NotNull(options.Authenticator);

        await host.StopAsync();
        await system.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void AllowedOrigins_FromTheEnvironment_WinOverTheFile()
    {
        // The other host tests of this class run one at a time with this one.
        Environment.SetEnvironmentVariable("COSOCKET__ALLOWEDORIGINS", "http://page.example:8083, http://localhost:8083");
        try
        {
            using var host = CosocketHost.CreateBuilder(["--listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0", "--cluster-port", "0"]).Build();
            var origins = host.Services.GetRequiredService<ServerOptions>().Origins;
            Assert.Equal(["http://page.example:8083", "http://localhost:8083"], origins.AllowedOrigins.ToArray());
            Assert.NotNull(origins.Check("http://elsewhere.example", "127.0.0.1:8080"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("COSOCKET__ALLOWEDORIGINS", null);
        }
    }

    [Fact]
    public void BadConfigFile_StopsTheHostBeforeItStarts()
    {
        string path = Path.GetTempFileName();
        File.WriteAllText(path, "cosocket.server.max-header-len = 0");
        try
        {
            var error = Assert.Throws<Akka.Configuration.ConfigurationException>(() => CosocketHost.CreateBuilder([], path));
            Assert.Contains("max_header_len must be positive", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

public class HostSettingsTests
{
    private static readonly Akka.Configuration.Config Shipped =
        Akka.Configuration.ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "akka.hocon")));

    private static Microsoft.Extensions.Configuration.IConfiguration Overrides(params (string Key, string Value)[] pairs) =>
        new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)))
            .Build();

    [Fact]
    public void ByDefault_ListensOn127_0_0_1Port8080()
    {
        var settings = HostSettings.From(Shipped, Overrides());
        Assert.Equal("127.0.0.1:8080", settings.Listen.ToString());
        Assert.Equal(16777216, settings.EchoMaxMessageLen);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.DrainTimeout);
        Assert.Equal(1024 * 1024, settings.HttpMaxBodyLen);
    }

    [Fact]
    public void HttpMaxBodyLen_NotPositive_IsAConfigurationError()
    {
        var config = Akka.Configuration.ConfigurationFactory.ParseString("cosocket.http.max-body-len = 0").WithFallback(Shipped);
        var error = Assert.Throws<Akka.Configuration.ConfigurationException>(() => HostSettings.From(config, Overrides()));
        Assert.Contains("cosocket.http.max-body-len must be positive", error.Message);
    }

    [Fact]
    public void ByDefault_OnePortServesEverything_AndTheNodeIsASingleNodeCluster()
    {
        var settings = HostSettings.From(Shipped, Overrides());
        Assert.False(settings.StandaloneFrontDoor);
        Assert.Equal("127.0.0.1:8080", settings.Listen.ToString());
        Assert.Null(settings.HttpListen); // Kestrel serves the HTTP side on the one port
        Assert.Equal(new ClusterSettings("127.0.0.1", "127.0.0.1", 4053, [], "seed-nodes"), settings.Cluster! with { SeedNodes = [] });
        Assert.Empty(settings.Cluster!.SeedNodes);
        Assert.Equal("", settings.ApiToken);
    }

    [Fact]
    public void StandaloneFrontDoor_HttpIsTheListenerPortPlus1000()
    {
        var settings = HostSettings.From(Shipped, Overrides(("Cosocket:FrontDoor", "standalone")));
        Assert.True(settings.StandaloneFrontDoor);
        Assert.Equal("127.0.0.1:9080", settings.HttpListen!.ToString());
        Assert.Throws<Akka.Configuration.ConfigurationException>(() => HostSettings.From(Shipped, Overrides(("Cosocket:FrontDoor", "nginx"))));
    }

    [Fact]
    public void ClusterFlags_AsInTheIssuesExample_BecomeTheClusterSettings()
    {
        var arguments = CosocketHost.ParseArguments(["--listen", "127.0.0.1:8082", "--cluster-port", "4054", "--seed-node", "127.0.0.1:4053", "--seed-node", "127.0.0.1:4054"])!;
        var settings = HostSettings.From(Shipped, Overrides([.. arguments.Select(a => (a.Key, a.Value!))]));
        Assert.Equal(4054, settings.Cluster!.Port);
        Assert.Equal(["127.0.0.1:4053", "127.0.0.1:4054"], settings.Cluster.SeedNodes);
        Assert.Null(settings.HttpListen);
        Assert.Contains("akka.tcp://cosocket@127.0.0.1:4053", settings.Cluster.ToHocon().GetStringList("akka.cluster.seed-nodes"));
    }

    [Theory]
    [InlineData("Cosocket:Cluster:Port", "huge", "is not a port")]
    [InlineData("Cosocket:Cluster:SeedNodes", "nohost", "is not HOST:PORT")]
    [InlineData("Cosocket:Cluster:Bootstrap", "magic", "neither seed-nodes nor kubernetes")]
    public void BadClusterSettings_FailWithAClearMessage(string key, string value, string message)
    {
        var error = Assert.Throws<Akka.Configuration.ConfigurationException>(() => HostSettings.From(Shipped, Overrides((key, value))));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void UnknownServeOption_IsRefused()
    {
        Assert.Null(CosocketHost.ParseArguments(["--listen"]));
        Assert.Null(CosocketHost.ParseArguments(["--nonsense", "x"]));
    }

    [Fact]
    public void ConfigOption_OverridesKeysOfTheShippedFile_AndKeepsTheRest()
    {
        string overrides = Path.GetTempFileName();
        try
        {
            File.WriteAllText(overrides, "cosocket.server.messages.validate-utf8 = off\ncosocket.echo.max-message-len = 1024\n");
            var services = CosocketHost.CreateBuilder(["--listen", "127.0.0.1:0", "--cluster-port", "0", "--config", overrides]).Build().Services;
            var options = (Cosocket.Actors.Server.ServerOptions)services.GetService(typeof(Cosocket.Actors.Server.ServerOptions))!;
            var settings = (HostSettings)services.GetService(typeof(HostSettings))!;
            Assert.False(options.Messages.ValidateUtf8);
            Assert.Equal(1024, settings.EchoMaxMessageLen);
            Assert.Equal(TimeSpan.FromSeconds(60), options.Timeout); // from the shipped file
        }
        finally
        {
            File.Delete(overrides);
        }
    }

    [Theory]
    [InlineData("127.0.0.1:9001", "127.0.0.1:9001")]
    [InlineData("localhost:9002", "127.0.0.1:9002")]
    [InlineData("[::1]:9003", "[::1]:9003")]
    public void ListenOverride_WinsOverTheFile(string value, string expected)
    {
        Assert.Equal(expected, HostSettings.From(Shipped, Overrides(("Cosocket:Listen", value))).Listen.ToString());
    }

    [Theory]
    [InlineData("nowhere")]
    [InlineData("example.com:80")]
    [InlineData("127.0.0.1")]
    public void BadListen_FailsWithAClearMessage(string value)
    {
        var error = Assert.Throws<Akka.Configuration.ConfigurationException>(() => HostSettings.From(Shipped, Overrides(("Cosocket:Listen", value))));
        Assert.Contains($"cosocket.listen: \"{value}\"", error.Message);
    }
}
