using Cosocket.Actors;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cosocket.Host;

/// <summary>Says at start-up what this build of the service does, and with which options.</summary>
internal sealed class StartupReport(ServerOptions options, ILogger<StartupReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        logger.LogInformation(
            "cosocket started: actor system up; server options {Options}. This build has the RFC 6455 protocol core only: " +
            "it serves no WebSocket endpoint yet (the listener, /echo and /frames come with the server issue).",
            options);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
