using Akka.Actor;
using Cosocket.Actors;
using Cosocket.Host;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Cosocket.Host.Tests;

public class HostTests
{
    [Fact]
    public async Task Host_StartsItsActorSystemWithTheShippedConfig_AndStopsCleanly()
    {
        using var host = CosocketHost.CreateBuilder([]).Build();
        await host.StartAsync();

        var system = host.Services.GetRequiredService<ActorSystem>();
        Assert.Equal("cosocket", system.Name);
        Assert.Equal(65535, system.Settings.Config.GetLong("cosocket.server.max-payload-len"));
        Assert.Equal(new ServerOptions(), host.Services.GetRequiredService<ServerOptions>());

        await host.StopAsync();
        await system.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(30));
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
