using Akka.Actor;
using Akka.Hosting;
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
        if (configure is not null)
            services.Configure(configure);
        if (!services.Any(d => d.ServiceType == typeof(ActorSystem)))
            services.AddAkka("cosocket", _ => { });
        services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<CosocketOptions>>().Value;
            if (options.Server.Validate() is { } invalid)
                throw new OptionsValidationException(nameof(CosocketOptions), typeof(CosocketOptions), [invalid]);
            return HostedWebSockets.Start(provider.GetRequiredService<ActorSystem>(), options.Server, "aspnetcore", options.IdPrefix);
        });
        services.AddHostedService<Drain>();
        return services;
    }

    /// <summary>
    /// Drains the hosted endpoints when the application starts stopping: before any hosted service
    /// stops, since Kestrel's own stop waits for the requests that upgraded connections keep open,
    /// and the actor system must outlive the close handshakes.
    /// </summary>
    private sealed class Drain(IServiceProvider provider, IOptions<CosocketOptions> options) : IHostedLifecycleService
    {
        public Task StoppingAsync(CancellationToken cancellationToken) =>
            provider.GetRequiredService<HostedWebSockets>().DrainAsync(options.Value.DrainTimeout);

        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
