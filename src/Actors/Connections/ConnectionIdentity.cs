using System.Security.Claims;

namespace Cosocket.Actors.Connections;

/// <summary>
/// Who a connection belongs to, established at the handshake before the 101: the user (the token's
/// subject) and the token's claims. Handlers see it on the request and the server object, the
/// registry lists it with the connection, and addressing decisions are made from it.
/// </summary>
public sealed record ConnectionIdentity(string User, ClaimsPrincipal Principal)
{
    /// <summary>An identity with <paramref name="claims"/> (type, value), for authenticators that are not JWT-based and for tests.</summary>
    public static ConnectionIdentity Of(string user, params (string Type, string Value)[] claims) =>
        new(user, new ClaimsPrincipal(new ClaimsIdentity(claims.Select(c => new Claim(c.Type, c.Value)), "cosocket")));

    /// <summary>The values of every claim of <paramref name="type"/>; a value with spaces counts as several (OAuth's <c>scope</c> style).</summary>
    public IEnumerable<string> Values(string type) =>
        Principal.FindAll(type).SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
