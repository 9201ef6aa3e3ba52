using Akka.Actor;
using Cosocket.Actors.Cluster;
using Cosocket.Actors.Security;
using Cosocket.Actors.Server;
using Cosocket.Host.Endpoints;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cosocket.Host;

/// <summary>
/// The WebSocket listener and this node's part of the cluster as a hosted service: it binds when the
/// host starts (connection ids carry the node's tag), joins the cluster (itself when no seed node is
/// configured), and, when the host stops (SIGTERM, Ctrl-C), stops accepting, sends close 1001 to every
/// connection, waits a bounded time for them to end, and only then lets the actor system stop. The
/// drain starts the moment the host is told to stop, so it runs while the HTTP side shuts down.
/// </summary>
/// <remarks>It starts after the HTTP side: the chat page's origin (the HTTP side's port) is one the
/// listener accepts upgrades from.</remarks>
public sealed class WebSocketService(ActorSystem system, HostSettings settings, ServerOptions options, IHostApplicationLifetime lifetime,
    IServiceProvider services, ILogger<WebSocketService> logger) : IHostedService
{
    private ServerBinding? _binding;

    /// <summary>Where the listener is bound, once started.</summary>
    public ServerBinding? Binding => _binding;

    /// <summary>Addressing connections cluster-wide, once started.</summary>
    public CosocketCluster? Cluster { get; private set; }

    /// <summary>The endpoints and their handlers, once started: on the standalone listener, or on Kestrel.</summary>
    public WebSocketRoutes? Routes { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Cluster = CosocketCluster.Start(system);
        var page = services.GetRequiredService<HttpApi>().Address!;
        var listener = options with { Origins = options.Origins with { SameHostPorts = [page.Port] } };
        // The endpoints whose messages reach other people are rate-limited (cosocket.rate-limit).
        var addressing = listener with { RateLimit = settings.AddressingRateLimit };
        var policy = settings.Addressing ?? AddressingPolicy.Default;
        var routes = HostEndpoint.Routes(new HostEndpoint.Dependencies(settings, listener, addressing, policy, Cluster));
        if (settings.StandaloneFrontDoor)
            _binding = CosocketServer.Bind(system, settings.Listen, routes, listener, settings.Tls, idPrefix: CosocketCluster.NodeTag(system) + "-");
        else
        {
            // Kestrel is the front door (HttpApi): its connections' listener and registry stand for the binding.
            var http = services.GetRequiredService<HttpApi>();
            _binding = new ServerBinding(http.WebSocketEndPoint!, http.Hosted!.Listener, http.Hosted.Registry);
        }
        Routes = routes;
        Cluster.Serve(_binding.Registry);
        system.ActorOf(MembershipLog.Props(logger), "membership-log");
        var cluster = Akka.Cluster.Cluster.Get(system);
        if (settings.Cluster is { Bootstrap: "seed-nodes", SeedNodes.Count: 0 })
            cluster.Join(cluster.SelfAddress);
        logger.LogInformation(HostEvents.Listening, "cosocket listening on {Scheme}://{EndPoint}: {Paths}; cluster node {Address}",
            settings.Tls is null ? "ws" : "wss", _binding.EndPoint, string.Join(", ", HostEndpoint.All), cluster.SelfAddress);
        // The drain starts on the stopping signal; StopAsync awaits the same drain (the binding
        // starts it once and hands every caller the first call's task).
        var binding = _binding;
        lifetime.ApplicationStopping.Register(() => _ = binding.DrainAsync(settings.DrainTimeout));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => _binding is null ? Task.CompletedTask : DrainAsync(_binding);

    private async Task DrainAsync(ServerBinding binding)
    {
        try
        {
            int cut = await binding.DrainAsync(settings.DrainTimeout);
            logger.LogInformation(HostEvents.Drained, "cosocket drained: {Cut} connection(s) did not close in time and were cut", cut);
        }
        catch (Exception error) when (error is AskTimeoutException or OperationCanceledException)
        {
            // The actor system is already going: its connections go with it.
            logger.LogWarning(HostEvents.DrainFailed, "cosocket could not drain its connections: {Reason}", error.Message);
        }
    }
}
