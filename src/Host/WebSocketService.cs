using Akka.Actor;
using Cosocket.Actors.Server;
using Cosocket.Host.Endpoints;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cosocket.Host;

/// <summary>
/// The WebSocket listener as a hosted service: it binds when the host starts and, when the host
/// stops (SIGTERM, Ctrl-C), stops accepting, sends close 1001 to every connection, waits a bounded
/// time for them to end, and only then lets the actor system stop.
/// </summary>
public sealed class WebSocketService(ActorSystem system, HostSettings settings, ServerOptions options, ILogger<WebSocketService> logger) : IHostedService
{
    private ServerBinding? _binding;

    /// <summary>Where the listener is bound, once started.</summary>
    public ServerBinding? Binding => _binding;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var routes = new WebSocketRoutes()
            .Map("/echo", EchoEndpoint.Handler(options, settings.EchoMaxMessageLen))
            .Map("/frames", FramesEndpoint.Handler(options));
        _binding = CosocketServer.Bind(system, settings.Listen, routes, options, settings.Tls);
        logger.LogInformation("cosocket listening on {Scheme}://{EndPoint}: /echo, /frames", settings.Tls is null ? "ws" : "wss", _binding.EndPoint);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_binding is null)
            return;
        try
        {
            int cut = await _binding.DrainAsync(settings.DrainTimeout);
            logger.LogInformation("cosocket drained: {Cut} connection(s) did not close in time and were cut", cut);
        }
        catch (Exception error) when (error is AskTimeoutException or OperationCanceledException)
        {
            // The actor system is already going: its connections go with it.
            logger.LogWarning("cosocket could not drain its connections: {Reason}", error.Message);
        }
    }
}
