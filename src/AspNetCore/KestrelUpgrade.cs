using System.Net;
using System.Security.Claims;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Server;
using Cosocket.Protocol.Handshake;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Cosocket.AspNetCore;

/// <summary>
/// One upgrade request as ASP.NET Core holds it: its head for Cosocket's handshake rules, the
/// authenticated user, and the response Kestrel writes (the 101 through <see cref="IHttpUpgradeFeature"/>;
/// over HTTP/2, an RFC 8441 extended CONNECT's 200 through <see cref="IHttpExtendedConnectFeature"/>;
/// or a refusal). The request lasts until the connection has ended or this side has finished sending.
/// </summary>
internal sealed class KestrelUpgrade : IHttpUpgrade
{
    private readonly HttpContext _context;
    private readonly IHttpExtendedConnectFeature? _extendedConnect;

    public KestrelUpgrade(HttpContext context)
    {
        _context = context;
        _extendedConnect = context.Features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true } connect ? connect : null;
        var request = context.Request;
        var fields = new List<KeyValuePair<string, string>>();
        foreach (var (name, values) in request.Headers)
        {
            foreach (string? value in values)
                fields.Add(new(name, value ?? ""));
        }
        string target = context.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw ? raw : request.Path + request.QueryString;
        Head = new HttpRequestHead(request.Method, target, request.Protocol, new HttpHeaders(fields), _extendedConnect?.Protocol);
        RemoteEndPoint = context.Connection.RemoteIpAddress is { } address ? new IPEndPoint(address, context.Connection.RemotePort) : null;
        // The authentication feature, not HttpContext.User, which would make an empty user for every anonymous connection to hold.
        var user = context.Features.Get<Microsoft.AspNetCore.Http.Features.Authentication.IHttpAuthenticationFeature>()?.User;
        Identity = user?.Identity?.IsAuthenticated == true ? new ConnectionIdentity(UserOf(user), user) : null;
    }

    public HttpRequestHead Head { get; }

    public EndPoint? RemoteEndPoint { get; }

    public ConnectionIdentity? Identity { get; }

    /// <summary>The connection's lifetime as the request's: until it has ended, or this side finished sending.</summary>
    public async Task ServeAsync(HostedWebSockets hosted, WebSocketHandler handler, bool requireIdentity)
    {
        await hosted.ServeAsync(this, handler, requireIdentity).ConfigureAwait(false);
        // What the connection wrote last (the close frame) goes out before Kestrel ends the request.
        await _context.Response.CompleteAsync().ConfigureAwait(false);
    }

    public async Task<Stream> AcceptAsync(IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        var upgrade = _context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } feature ? feature : null;
        if (upgrade is null && _extendedConnect is null)
            throw new InvalidOperationException("this request cannot be upgraded by the HTTP server");
        foreach (var (name, value) in headers)
            _context.Response.Headers.Append(name, value);
        // An upgraded connection lasts as long as the WebSocket: no request timeout applies to it (nor,
        // Kestrel sees to it, the request body limit to an extended CONNECT's stream).
        _context.Features.Get<Microsoft.AspNetCore.Http.Timeouts.IHttpRequestTimeoutFeature>()?.DisableTimeout();
        if (_extendedConnect is not null)
            return await _extendedConnect.AcceptAsync().ConfigureAwait(false);
        return await upgrade!.UpgradeAsync().ConfigureAwait(false);
    }

    public async Task RejectAsync(int status, IReadOnlyList<KeyValuePair<string, string>> headers, ReadOnlyMemory<byte> body)
    {
        _context.Response.StatusCode = status;
        foreach (var (name, value) in headers)
        {
            // HTTP/2 and 3 have no Connection header (RFC 9113 §8.2.2): a refused stream ends, its connection stays.
            if (!IsHttp1(_context.Request.Protocol) && name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
                continue;
            _context.Response.Headers.Append(name, value);
        }
        _context.Response.ContentLength = body.Length;
        await _context.Response.Body.WriteAsync(body).ConfigureAwait(false);
    }

    private static bool IsHttp1(string protocol) => HttpProtocol.IsHttp11(protocol) || HttpProtocol.IsHttp10(protocol);

    /// <summary>The user's name, else its name identifier (a JWT's <c>sub</c>).</summary>
    private static string UserOf(ClaimsPrincipal user) =>
        user.Identity?.Name ?? user.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? user.FindFirst("sub")?.Value ?? "";
}
