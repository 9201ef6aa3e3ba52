using Cosocket.Actors.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Cosocket.AspNetCore;

/// <summary><c>app.MapCosocket("/path", handler)</c>.</summary>
public static class CosocketEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <paramref name="pattern"/> to a Cosocket WebSocket endpoint: each request to it goes to
    /// <paramref name="handler"/> as on Cosocket's own listener (it calls
    /// <see cref="WebSocketServer.NewAsync"/> to upgrade, with the same handshake rules and answers).
    /// Kestrel writes the 101 and keeps the connection; the request lasts as long as the WebSocket.
    /// The returned builder takes ASP.NET Core's conventions: <c>RequireAuthorization()</c> refuses an
    /// unauthenticated upgrade before the handler runs, and the authenticated user becomes the
    /// connection's identity.
    /// </summary>
    /// <param name="requireIdentity">Refuse (401, before the handler) a request that neither ASP.NET
    /// Core's authentication nor the server options' <c>Authenticator</c> found a user for.</param>
    public static IEndpointConventionBuilder MapCosocket(this IEndpointRouteBuilder endpoints, string pattern, WebSocketHandler handler, bool requireIdentity = false)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(handler);
        return endpoints.Map(pattern, context =>
        {
            var hosted = context.RequestServices.GetRequiredService<HostedWebSockets>();
            return new KestrelUpgrade(context).ServeAsync(hosted, handler, requireIdentity);
        }).WithDisplayName("Cosocket " + pattern);
    }
}
