using Cosocket.Actors.Cluster;
using Cosocket.Actors.Security;
using Cosocket.Actors.Server;

namespace Cosocket.Host.Endpoints;

/// <summary>
/// One of the host's WebSocket endpoints, whichever front door serves it: its path (a prefix ends in
/// <c>/*</c>, as in <see cref="WebSocketRoutes"/>), whether its requests need an identity, and its
/// handler, made once the service has started (handlers need the cluster and the listener's options).
/// </summary>
/// <param name="Rest">For a prefix, what the rest of the path names (in the route pattern and the log).</param>
internal sealed record HostEndpoint(string Path, bool RequireIdentity, Func<HostEndpoint.Dependencies, WebSocketHandler> Handler, string Rest = "rest")
{
    /// <summary>What the handlers are made with.</summary>
    /// <param name="Listener">The listener's options: what a handler's <c>new</c> uses by default.</param>
    /// <param name="Addressing">The same, with the rate limit of endpoints whose messages reach other people.</param>
    internal sealed record Dependencies(HostSettings Settings, ServerOptions Listener, ServerOptions Addressing, AddressingPolicy Policy,
        CosocketCluster Cluster);

    /// <summary>The host's endpoints: /echo and /frames touch only the caller's own connection; /connect
    /// reaches other people and needs an identity; /chat/{room} is the anonymous demo.</summary>
    public static readonly IReadOnlyList<HostEndpoint> All =
    [
        new("/echo", false, d => EchoEndpoint.Handler(d.Listener, d.Settings.EchoMaxMessageLen)),
        new("/frames", false, d => FramesEndpoint.Handler(d.Listener)),
        new("/connect", true, d => ConnectEndpoint.Handler(d.Addressing, d.Cluster, d.Policy)),
        new(ChatEndpoint.Prefix + "*", false, d => ChatEndpoint.Handler(d.Addressing, d.Cluster), Rest: "room"),
    ];

    private bool IsPrefix => Path.EndsWith("/*", StringComparison.Ordinal);

    /// <summary>The path as an ASP.NET Core route pattern: a prefix takes the rest of the path.</summary>
    public string Pattern => IsPrefix ? Path[..^1] + "{**" + Rest + "}" : Path;

    /// <summary>The path as the log shows it: <c>/chat/{room}</c>.</summary>
    public override string ToString() => IsPrefix ? Path[..^1] + "{" + Rest + "}" : Path;

    /// <summary>The endpoints as the routes of a listener, their handlers made with <paramref name="dependencies"/>.</summary>
    public static WebSocketRoutes Routes(Dependencies dependencies)
    {
        var routes = new WebSocketRoutes();
        foreach (var endpoint in All)
            routes.Map(endpoint.Path, endpoint.Handler(dependencies), endpoint.RequireIdentity);
        return routes;
    }
}
