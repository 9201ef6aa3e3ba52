using Cosocket.Actors.Connections;
using Cosocket.Actors.Server;

namespace Cosocket.Actors.Security;

/// <summary>
/// Decides who an upgrade request comes from, before the 101: it sees the request's headers, query,
/// cookies (the <c>Cookie</c> header), remote endpoint and, on <c>wss://</c>, the server name (SNI).
/// It returns an identity, <see cref="AuthenticationResult.Anonymous"/> when the request carries no
/// credentials, or a rejection that is answered with its HTTP status before any upgrade.
/// </summary>
public delegate ValueTask<AuthenticationResult> HandshakeAuthenticator(WebSocketRequest request);

/// <summary>What a <see cref="HandshakeAuthenticator"/> decided.</summary>
public sealed record AuthenticationResult
{
    private AuthenticationResult(ConnectionIdentity? identity, int status, string? error)
    {
        Identity = identity;
        Status = status;
        Error = error;
    }

    /// <summary>No credentials: endpoints that need an identity answer 401, the others serve the request.</summary>
    public static AuthenticationResult Anonymous { get; } = new(null, 0, null);

    public static AuthenticationResult Authenticated(ConnectionIdentity identity) =>
        new(identity ?? throw new ArgumentNullException(nameof(identity)), 0, null);

    /// <summary>Credentials that do not hold (401) or a client that may not come in (403); <paramref name="error"/> is the response body.</summary>
    public static AuthenticationResult Rejected(int status, string error) =>
        status is 401 or 403 ? new(null, status, error) : throw new ArgumentOutOfRangeException(nameof(status), "a rejection is 401 or 403");

    public ConnectionIdentity? Identity { get; }

    public bool IsRejected => Error is not null;

    /// <summary>401 or 403 when rejected.</summary>
    public int Status { get; }

    public string? Error { get; }
}
