namespace Cosocket.Actors.Server;

/// <summary>A handler for upgrade requests on a path: it calls <see cref="WebSocketServer.NewAsync"/>
/// and talks to the client; the connection closes when it returns.</summary>
public delegate Task WebSocketHandler(WebSocketRequest request);

/// <summary>
/// Paths mapped to handlers, as nginx <c>location</c> blocks map to Lua handlers: an exact path, or a
/// prefix ending in <c>/*</c> (<c>/chat/*</c> takes <c>/chat/lobby</c>). Exact paths win, then the
/// longest prefix. Immutable once built.
/// </summary>
public sealed class WebSocketRoutes
{
    private readonly Dictionary<string, WebSocketHandler> _exact = new(StringComparer.Ordinal);
    private readonly List<(string Prefix, WebSocketHandler Handler)> _prefixes = [];

    public WebSocketRoutes Map(string path, WebSocketHandler handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(handler);
        if (!path.StartsWith('/'))
            throw new ArgumentException($"a path starts with '/': \"{path}\"", nameof(path));
        if (path.EndsWith("/*", StringComparison.Ordinal))
        {
            _prefixes.Add((path[..^1], handler));
            _prefixes.Sort((a, b) => b.Prefix.Length.CompareTo(a.Prefix.Length));
        }
        else
            _exact[path] = handler;
        return this;
    }

    public WebSocketHandler? Find(string path)
    {
        if (_exact.TryGetValue(path, out var handler))
            return handler;
        foreach (var (prefix, prefixHandler) in _prefixes)
        {
            if (path.StartsWith(prefix, StringComparison.Ordinal))
                return prefixHandler;
        }
        return null;
    }
}
