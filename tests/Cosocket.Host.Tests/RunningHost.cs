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

    private RunningHost(IHost host, ServerBinding binding)
    {
        _host = host;
        Binding = binding;
    }

    public ServerBinding Binding { get; }

    public IPEndPoint EndPoint => Binding.EndPoint;

    public Uri Uri(string path, bool secure = false) => new($"{(secure ? "wss" : "ws")}://{EndPoint}{path}");

    /// <param name="configPath">A configuration file in place of the shipped akka.hocon.</param>
    public static async Task<RunningHost> StartAsync(string? configPath = null)
    {
        var host = CosocketHost.CreateBuilder(["--listen", "127.0.0.1:0"], configPath).Build();
        await host.StartAsync();
        var binding = host.Services.GetRequiredService<WebSocketService>().Binding!;
        return new RunningHost(host, binding);
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
