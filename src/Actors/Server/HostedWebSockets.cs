using Akka.Actor;

namespace Cosocket.Actors.Server;

/// <summary>
/// Cosocket's WebSocket endpoints inside another HTTP server (ASP.NET Core's Kestrel, through
/// <c>Cosocket.AspNetCore</c>): that server terminates HTTP and TLS and reads the upgrade request;
/// each request it hands to <see cref="ServeAsync"/> becomes a connection of the same actor,
/// stages, seed API, message API, Tell API and registry as on Cosocket's own listener.
/// </summary>
public sealed class HostedWebSockets
{
    private static int s_started;
    private readonly Lock _lock = new();
    private Task<int>? _drain;

    private HostedWebSockets(IActorRef listener, IActorRef registry, ServerOptions options)
    {
        Listener = listener;
        Registry = registry;
        Options = options;
    }

    /// <summary>The actor that holds the hosted connections (max-connections, drain).</summary>
    public IActorRef Listener { get; }

    /// <summary>The hosted connections' registry.</summary>
    public IActorRef Registry { get; }

    /// <summary>What handlers get when they pass no options to <see cref="WebSocketServer.NewAsync"/>.</summary>
    public ServerOptions Options { get; }

    /// <summary>Starts the hosted endpoints in <paramref name="system"/>; <paramref name="name"/> labels their
    /// connections (the registry's listener); connection ids start with <paramref name="idPrefix"/>.</summary>
    public static HostedWebSockets Start(ActorSystem system, ServerOptions? options = null, string name = "hosted", string idPrefix = "")
    {
        ArgumentNullException.ThrowIfNull(system);
        AssemblyPreload.LoadClosure(typeof(HostedWebSockets).Assembly);
        options ??= new ServerOptions();
        if (options.Validate() is { } invalid)
            throw new ArgumentException(invalid, nameof(options));
        // The name labels the registry's connections (in /metrics); actor names take no '/'.
        int number = Interlocked.Increment(ref s_started);
        var registry = system.ActorOf(ConnectionRegistry.Props(name), $"connections-hosted-{number}");
        var listener = system.ActorOf(WebSocketListener.Hosted(options, registry, idPrefix), $"listener-hosted-{number}");
        return new HostedWebSockets(listener, registry, options);
    }

    /// <summary>
    /// Serves one upgrade request with <paramref name="handler"/>; completes once its connection has
    /// ended or this side has finished sending (or the request was answered without an upgrade), which
    /// is when the host ends the request: an HTTP server cannot half-close an upgraded connection, and
    /// ending the request closes it (the server first, as RFC 6455 §7.1.1 prefers; over HTTP/2 it ends the stream).
    /// </summary>
    /// <param name="requireIdentity">Refuse (401) a request nobody authenticated.</param>
    public Task ServeAsync(IHttpUpgrade upgrade, WebSocketHandler handler, bool requireIdentity = false)
    {
        ArgumentNullException.ThrowIfNull(upgrade);
        ArgumentNullException.ThrowIfNull(handler);
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Listener.Tell(new WebSocketListener.Serve(upgrade, new WebSocketRoute(handler, requireIdentity), ended));
        return ended.Task;
    }

    /// <summary>Graceful shutdown, as <see cref="ServerBinding.DrainAsync"/>: close 1001 to every connection,
    /// at most <paramref name="timeout"/> for them to end. Later calls return the first call's answer.</summary>
    public Task<int> DrainAsync(TimeSpan timeout)
    {
        lock (_lock)
            return _drain ??= ServerBinding.AskDrainAsync(Listener, timeout);
    }
}
