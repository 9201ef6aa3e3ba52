using System.Security.Cryptography;
using System.Text;
using Akka.Configuration;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Security;

namespace Cosocket.Host;

/// <summary>Who calls the HTTP API: the operator (the static token), an identity (a JWT), or nobody.</summary>
/// <param name="Status">401 or 403 when the call is refused, with <paramref name="Err"/>.</param>
public sealed record HttpCaller(bool IsOperator, ConnectionIdentity? Identity, int Status, string? Err)
{
    public bool IsRefused => Err is not null;

    /// <summary>The operator, or an identity whose token says <c>cosocket:admin = true</c>.</summary>
    public bool IsAdmin => IsOperator || (Identity?.Values(AddressingPolicy.AdminClaim).Contains("true") ?? false);
}

/// <summary>
/// The host's credentials: the JWT validator (<c>cosocket.auth.jwt</c>) that WebSocket upgrades and
/// the HTTP API share, the addressing policy (<c>cosocket.auth.grants</c>), and the HTTP API's static
/// token (<c>cosocket.http.token</c>).
/// </summary>
public sealed class HostAuth
{
    public const string ApiOff = "the HTTP API is off: set cosocket.http.token or a JWT key (cosocket.auth.jwt)";
    public const string WrongToken = "missing or wrong bearer token";

    private readonly byte[] _operatorHeader;

    private HostAuth(JwtAuthenticator? jwt, AddressingPolicy policy, string apiToken)
    {
        Jwt = jwt;
        Policy = policy;
        _operatorHeader = apiToken.Length == 0 ? [] : Encoding.UTF8.GetBytes("Bearer " + apiToken);
    }

    /// <summary>Null when no key is configured: no token is accepted, and /connect is closed.</summary>
    public JwtAuthenticator? Jwt { get; }

    public AddressingPolicy Policy { get; }

    /// <exception cref="ConfigurationException">A key that cannot be used.</exception>
    public static HostAuth Create(HostSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        try
        {
            var jwt = settings.Jwt is { } options ? new JwtAuthenticator(options) : null;
            return new HostAuth(jwt, settings.Addressing ?? AddressingPolicy.Default, settings.ApiToken);
        }
        catch (ArgumentException bad)
        {
            throw new ConfigurationException("cosocket.auth.jwt: " + bad.Message);
        }
    }

    /// <summary>Who an HTTP request's <c>Authorization</c> header says is calling.</summary>
    public async ValueTask<HttpCaller> AuthenticateAsync(string? authorization)
    {
        if (_operatorHeader.Length == 0 && Jwt is null)
            return new HttpCaller(false, null, 403, ApiOff);
        // Compared in constant time: the time taken says nothing about how much of a guess was right.
        if (_operatorHeader.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(authorization ?? ""), _operatorHeader))
            return new HttpCaller(true, null, 0, null);
        if (Jwt is not null && JwtAuthenticator.TokenOf(authorization, []) is { } token)
        {
            var (identity, err) = await Jwt.ValidateAsync(token).ConfigureAwait(false);
            return identity is null ? new HttpCaller(false, null, 401, err) : new HttpCaller(false, identity, 0, null);
        }
        return new HttpCaller(false, null, 401, WrongToken);
    }

    /// <summary>Null when <paramref name="caller"/> may do <paramref name="operation"/> to <paramref name="target"/>, else the denial.</summary>
    public string? Check(HttpCaller caller, AddressingOperation operation, string target) =>
        caller.IsOperator ? null : Policy.Check(caller.Identity!, operation, target);
}
