using Cosocket.Actors.Security;

namespace Cosocket.Actors.Server;

/// <summary>
/// What an upgrade request passes before its handler runs, cheapest first: the page it comes from
/// (<see cref="ServerOptions.Origins"/>, 403), its credentials (<see cref="ServerOptions.Authenticator"/>,
/// 401 or 403 as the authenticator says, unless the host already authenticated it), and, on a route
/// that requires one, an identity (401).
/// A refused request gets its answer here and its handler never runs.
/// </summary>
internal static class Admission
{
    public const string IdentityRequired = "this endpoint needs a token: Authorization: Bearer TOKEN, or ?access_token=TOKEN from a browser";

    public static async Task<bool> AdmitAsync(WebSocketRequest request, WebSocketRoute route, ServerOptions options)
    {
        if (options.Origins.Check(request.Headers["Origin"], request.Headers["Host"]) is { } refused)
            return await RefuseAsync(request, 403, refused).ConfigureAwait(false);
        // A hosted request may come authenticated by its host (ASP.NET Core's authentication): then
        // that identity stands, and the authenticator is not asked.
        if (request.Identity is null)
        {
            var result = options.Authenticator is { } authenticate
                ? await authenticate(request).ConfigureAwait(false)
                : AuthenticationResult.Anonymous;
            if (result.IsRejected)
                return await RefuseAsync(request, result.Status, result.Error!).ConfigureAwait(false);
            request.Identity = result.Identity;
        }
        if (request.Identity is null && route.RequireIdentity)
            return await RefuseAsync(request, 401, IdentityRequired).ConfigureAwait(false);
        return true;
    }

    private static async Task<bool> RefuseAsync(WebSocketRequest request, int status, string reason)
    {
        await request.RejectAsync(status, reason).ConfigureAwait(false);
        return false;
    }
}
