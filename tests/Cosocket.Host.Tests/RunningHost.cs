using System.Net;
using Cosocket.Actors.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Cosocket.Host.Tests;

/// <summary>The real <c>cosocket</c> host, started in-process on an ephemeral port of 127.0.0.1.</summary>
internal sealed class RunningHost : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _stopped;

    private RunningHost(IHost host, ServerBinding binding, Uri http)
    {
        _host = host;
        Binding = binding;
        Http = http;
    }

    public ServerBinding Binding { get; }

    /// <summary>The HTTP side (Kestrel): the chat page, health and the publish API.</summary>
    public Uri Http { get; }

    public IServiceProvider Services => _host.Services;

    public IPEndPoint EndPoint => Binding.EndPoint;

    public Uri Uri(string path, bool secure = false) => new($"{(secure ? "wss" : "ws")}://{EndPoint}{path}");

    /// <param name="configPath">A configuration file in place of the shipped akka.hocon.</param>
    /// <param name="arguments">More command-line options.</param>
    public static async Task<RunningHost> StartAsync(string? configPath = null, params string[] arguments)
    {
        var host = CosocketHost.CreateBuilder(["--listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0", "--cluster-port", "0", .. arguments], configPath).Build();
        await host.StartAsync();
        var binding = host.Services.GetRequiredService<WebSocketService>().Binding!;
        return new RunningHost(host, binding, host.Services.GetRequiredService<HttpApi>().Address!);
    }

    public async Task StopAsync()
    {
        _stopped = true;
        await _host.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopped)
            await _host.StopAsync();
        _host.Dispose();
    }
}
