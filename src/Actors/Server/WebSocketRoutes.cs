namespace Cosocket.Actors.Server;

/// <summary>A handler for upgrade requests on a path: it calls <see cref="WebSocketServer.NewAsync"/>
/// and talks to the client; the connection closes when it returns.</summary>
public delegate Task WebSocketHandler(WebSocketRequest request);

/// <summary>A handler and whether its requests need an authenticated identity.</summary>
public sealed record WebSocketRoute(WebSocketHandler Handler, bool RequireIdentity);

/// <summary>
/// Paths mapped to handlers, as nginx <c>location</c> blocks map to Lua handlers: an exact path, or a
/// prefix ending in <c>/*</c> (<c>/chat/*</c> takes <c>/chat/lobby</c>). Exact paths win, then the
/// longest prefix. A route that requires an identity answers 401 to a request the listener's
/// authenticator found no credentials in, before its handler runs. Immutable once built.
/// </summary>
public sealed class WebSocketRoutes
{
    private readonly Dictionary<string, WebSocketRoute> _exact = new(StringComparer.Ordinal);
    private readonly List<(string Prefix, WebSocketRoute Route)> _prefixes = [];

    public WebSocketRoutes Map(string path, WebSocketHandler handler, bool requireIdentity = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(handler);
        if (!path.StartsWith('/'))
            throw new ArgumentException($"a path starts with '/': \"{path}\"", nameof(path));
        if (path.EndsWith("/*", StringComparison.Ordinal))
        {
            _prefixes.Add((path[..^1], new WebSocketRoute(handler, requireIdentity)));
            _prefixes.Sort((a, b) => b.Prefix.Length.CompareTo(a.Prefix.Length));
        }
        else
            _exact[path] = new WebSocketRoute(handler, requireIdentity);
        return this;
    }

    public WebSocketRoute? Find(string path)
    {
        if (_exact.TryGetValue(path, out var route))
            return route;
        foreach (var (prefix, prefixRoute) in _prefixes)
        {
            if (path.StartsWith(prefix, StringComparison.Ordinal))
                return prefixRoute;
        }
        return null;
    }
}
