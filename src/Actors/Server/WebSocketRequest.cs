using System.Net;
using Cosocket.Actors.Connections;
using Cosocket.Protocol.Handshake;

namespace Cosocket.Actors.Server;

/// <summary>
/// An HTTP request that asks for a WebSocket upgrade on a mounted path, as a handler sees it (the
/// way an nginx <c>location</c> hands a request to Lua). The handler may add response headers, then
/// calls <see cref="WebSocketServer.NewAsync"/> to upgrade, or <see cref="RejectAsync"/>.
/// </summary>
public sealed class WebSocketRequest
{
    internal WebSocketRequest(ConnectionCore core, HttpRequestHead head)
    {
        Core = core;
        Head = head;
    }

    internal ConnectionCore Core { get; }

    /// <summary>Why <see cref="WebSocketServer.NewAsync"/> refused the request, for the default rejection (D4).</summary>
    internal HandshakeError? Refusal { get; set; }

    internal bool Answered => Core.Handshake.IsDecided;

    public HttpRequestHead Head { get; }

    public string Method => Head.Method;

    /// <summary>The request target: path and query.</summary>
    public string Target => Head.Target;

    /// <summary>The path without the query.</summary>
    public string Path => Head.Target.Split('?', 2)[0];

    /// <summary>The values of a query parameter of the request target, decoded (<c>?topic=a&amp;topic=b</c>).</summary>
    public IReadOnlyList<string> Query(string name)
    {
        int question = Head.Target.IndexOf('?', StringComparison.Ordinal);
        if (question < 0)
            return [];
        return System.Web.HttpUtility.ParseQueryString(Head.Target[(question + 1)..]).GetValues(name) ?? [];
    }

    public HttpHeaders Headers => Head.Headers;

    public string ConnectionId => Core.Id;

    public EndPoint? RemoteEndPoint => Core.RemoteEndPoint;

    /// <summary>On a <c>wss://</c> listener, the server name the client sent (SNI); else null.</summary>
    public string? ServerName => Core.ServerName;

    /// <summary>Who the listener's authenticator found the request to come from; null when anonymous.</summary>
    public ConnectionIdentity? Identity
    {
        get => Core.Identity;
        internal set => Core.Identity = value;
    }

    /// <summary>Headers for the 101 response, after the ones the handshake sets (cs.t TEST 38).</summary>
    public List<KeyValuePair<string, string>> ResponseHeaders { get; } = [];

    /// <summary>Refuses the upgrade with an HTTP response of <paramref name="status"/> and a text body; the connection then closes.</summary>
    public Task RejectAsync(int status, string body) => Core.RejectAsync(new HandshakeError(body, status));
}
