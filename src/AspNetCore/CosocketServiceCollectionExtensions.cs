using Akka.Actor;
using Akka.Hosting;
using Cosocket.Actors.Cluster;
using Cosocket.Actors.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Cosocket.AspNetCore;

/// <summary><c>services.AddCosocket()</c>.</summary>
public static class CosocketServiceCollectionExtensions
{
    /// <summary>
    /// Adds Cosocket's hosted WebSocket endpoints (<see cref="HostedWebSockets"/>, for
    /// <c>MapCosocket</c>) on the application's <see cref="ActorSystem"/>, the one Akka.Hosting's
    /// <c>AddAkka</c> registers; without one, a single-node system named <c>cosocket</c> is added.
    /// On shutdown the endpoints drain: close 1001 to every connection, then cut what is left.
    /// </summary>
    public static IServiceCollection AddCosocket(this IServiceCollection services, Action<CosocketOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var wanted = new CosocketOptions();
        configure?.Invoke(wanted);
        if (configure is not null)
            services.Configure(configure);
        if (!services.Any(d => d.ServiceType == typeof(ActorSystem)))
        {
            services.AddAkka("cosocket", akka =>
            {
                akka.AddHocon(CosocketCluster.DefaultConfig, HoconAddMode.Prepend);
                if (wanted.Cluster)
                {
                    // A cluster of one on a free local port, joined as the system starts.
                    akka.AddHocon("akka.actor.provider = cluster\nakka.remote.dot-netty.tcp { hostname = \"127.0.0.1\", port = 0 }", HoconAddMode.Prepend);
                    akka.AddStartup((system, _) => Akka.Cluster.Cluster.Get(system).Join(Akka.Cluster.Cluster.Get(system).SelfAddress));
                }
            });
        }
        services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<CosocketOptions>>().Value;
            if (options.Server.Validate() is { } invalid)
                throw new OptionsValidationException(nameof(CosocketOptions), typeof(CosocketOptions), [invalid]);
            var system = provider.GetRequiredService<ActorSystem>();
            string prefix = options.Cluster ? CosocketCluster.NodeTag(system) + "-" + options.IdPrefix : options.IdPrefix;
            return HostedWebSockets.Start(system, options.Server, "aspnetcore", prefix);
        });
        if (wanted.Cluster)
        {
            services.AddSingleton(provider =>
            {
                var cluster = CosocketCluster.Start(provider.GetRequiredService<ActorSystem>());
                cluster.Serve(provider.GetRequiredService<HostedWebSockets>().Registry);
                return cluster;
            });
        }
        services.AddHostedService<Lifecycle>();
        return services;
    }

    /// <summary>
    /// Drains the hosted endpoints when the application starts stopping: before any hosted service
    /// stops, since Kestrel's own stop waits for the requests that upgraded connections keep open,
    /// and the actor system must outlive the close handshakes.
    /// </summary>
    private sealed class Lifecycle(IServiceProvider provider, IOptions<CosocketOptions> options) : IHostedLifecycleService
    {
        /// <summary>The endpoints (and the cluster's part, when asked for) exist before the first request.</summary>
        public Task StartedAsync(CancellationToken cancellationToken)
        {
            provider.GetRequiredService<HostedWebSockets>();
            if (options.Value.Cluster)
                provider.GetRequiredService<CosocketCluster>();
            return Task.CompletedTask;
        }

        public Task StoppingAsync(CancellationToken cancellationToken) =>
            provider.GetRequiredService<HostedWebSockets>().DrainAsync(options.Value.DrainTimeout);

        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
