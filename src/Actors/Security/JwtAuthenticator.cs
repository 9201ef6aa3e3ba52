using System.Collections.Immutable;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Cosocket.Actors.Server;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Cosocket.Actors.Connections;

namespace Cosocket.Actors.Security;

/// <summary>
/// The keys and rules a JSON Web Token (RFC 7519) must satisfy. Tokens are signed with HS256 and
/// <see cref="HmacSecret"/>, or with RS256/ES256 and one of <see cref="PublicKeyFiles"/> (PEM) or the
/// keys of <see cref="JwksFile"/>; other algorithms (<c>none</c> first) are refused. <c>exp</c> is
/// required; <c>exp</c> and <c>nbf</c> are checked with <see cref="ClockSkew"/>; <c>aud</c> must
/// be <see cref="Audience"/>, and <c>iss</c> must be <see cref="Issuer"/> when one is set.
/// </summary>
public sealed record JwtOptions
{
    /// <summary>The HS256 secret: at least 32 bytes (RFC 7518 §3.2: a key of the hash's size).</summary>
    public string? HmacSecret { get; init; }

    /// <summary>PEM files of RSA or EC public keys (RS256, ES256).</summary>
    public ImmutableArray<string> PublicKeyFiles { get; init; } = [];

    /// <summary>A JSON Web Key Set file (RFC 7517), as an identity provider publishes it.</summary>
    public string? JwksFile { get; init; }

    /// <summary>The required <c>iss</c>; null accepts any issuer that holds a key.</summary>
    public string? Issuer { get; init; }

    /// <summary>The required <c>aud</c>: <c>cosocket</c>.</summary>
    public string Audience { get; init; } = "cosocket";

    /// <summary>How far the issuer's clock may be off ours: 30 s.</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The claim that names the user: <c>sub</c>.</summary>
    public string UserClaim { get; init; } = "sub";

    /// <summary>True when a key of any kind is configured.</summary>
    public bool HasKeys => !string.IsNullOrEmpty(HmacSecret) || !PublicKeyFiles.IsEmpty || !string.IsNullOrEmpty(JwksFile);
}

/// <summary>
/// Validates JSON Web Tokens with <c>Microsoft.IdentityModel.JsonWebTokens</c> and authenticates
/// upgrade requests with them. A request's token comes from <c>Authorization: Bearer</c>, or, since
/// a browser's <c>WebSocket</c> cannot set headers, from the <c>access_token</c> query parameter (as
/// SignalR does): a query can end up in access logs and browser history, so tokens sent that way
/// should be short-lived.
/// </summary>
public sealed class JwtAuthenticator
{
    /// <summary>The query parameter a browser passes its token in.</summary>
    public const string QueryParameter = "access_token";

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly TokenValidationParameters _parameters;
    private readonly string _userClaim;

    /// <exception cref="ArgumentException">No key, a secret under 32 bytes, or a key file that cannot be read.</exception>
    public JwtAuthenticator(JwtOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.HasKeys)
            throw new ArgumentException("a JWT needs a key: an HS256 secret, PEM public keys or a JWKS file", nameof(options));
        _userClaim = options.UserClaim;
        _parameters = new TokenValidationParameters
        {
            IssuerSigningKeys = LoadKeys(options),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256, SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256],
            ValidateIssuer = options.Issuer is not null,
            ValidIssuer = options.Issuer,
            ValidateAudience = true,
            ValidAudience = options.Audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = options.ClockSkew,
            NameClaimType = options.UserClaim,
        };
    }

    /// <summary>The identity <paramref name="token"/> proves, or why it proves none.</summary>
    public async ValueTask<(ConnectionIdentity? Identity, string? Err)> ValidateAsync(string token)
    {
        var result = await _handler.ValidateTokenAsync(token, _parameters).ConfigureAwait(false);
        if (!result.IsValid)
            return (null, "invalid token: " + Describe(result.Exception));
        // The identity is made of the token's claims alone: the result's ClaimsIdentity also holds the
        // token, its raw text and its parsed parts, which a connection would keep for its whole life.
        var claims = ((JsonWebToken)result.SecurityToken).Claims.Select(c => new Claim(c.Type, c.Value));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, "jwt", _userClaim, null));
        string? user = principal.FindFirst(_userClaim)?.Value;
        return string.IsNullOrEmpty(user)
            ? (null, $"invalid token: no {_userClaim} claim")
            : (new ConnectionIdentity(user, principal), null);
    }

    /// <summary>The <see cref="HandshakeAuthenticator"/>: no token is anonymous, a token that does not hold is 401.</summary>
    public HandshakeAuthenticator Authenticator => async request =>
    {
        string? token = TokenOf(request.Headers["Authorization"], request.Query(QueryParameter));
        if (token is null)
            return AuthenticationResult.Anonymous;
        var (identity, err) = await ValidateAsync(token).ConfigureAwait(false);
        return identity is null ? AuthenticationResult.Rejected(401, err!) : AuthenticationResult.Authenticated(identity);
    };

    /// <summary>The bearer token of an <c>Authorization</c> header, else the first <c>access_token</c>.</summary>
    public static string? TokenOf(string? authorization, IReadOnlyList<string> query)
    {
        const string Bearer = "Bearer ";
        if (authorization is not null && authorization.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase))
            return authorization[Bearer.Length..].Trim();
        return query.Count > 0 && query[0].Length > 0 ? query[0] : null;
    }

    /// <summary>The library's exceptions carry PII-scrubbed, long messages; the client gets the kind.</summary>
    private static string Describe(Exception? error) => error switch
    {
        SecurityTokenExpiredException => "expired",
        SecurityTokenNotYetValidException => "not valid yet",
        SecurityTokenNoExpirationException => "no exp claim",
        SecurityTokenInvalidAudienceException => "wrong audience",
        SecurityTokenInvalidIssuerException => "wrong issuer",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "bad signature",
        SecurityTokenInvalidAlgorithmException => "algorithm not allowed",
        SecurityTokenMalformedException or ArgumentException => "malformed",
        _ => "rejected",
    };

    private static List<SecurityKey> LoadKeys(JwtOptions options)
    {
        var keys = new List<SecurityKey>();
        if (!string.IsNullOrEmpty(options.HmacSecret))
        {
            byte[] secret = Encoding.UTF8.GetBytes(options.HmacSecret);
            if (secret.Length < 32)
                throw new ArgumentException("the HS256 secret must be at least 32 bytes", nameof(options));
            keys.Add(new SymmetricSecurityKey(secret));
        }
        foreach (string file in options.PublicKeyFiles)
            keys.Add(PublicKey(file));
        if (!string.IsNullOrEmpty(options.JwksFile))
        {
            string json = Read(options.JwksFile);
            try
            {
                keys.AddRange(new JsonWebKeySet(json).GetSigningKeys());
            }
            catch (ArgumentException bad)
            {
                throw new ArgumentException($"{options.JwksFile}: not a JSON Web Key Set: {bad.Message}", nameof(options), bad);
            }
        }
        return keys;
    }

    private static SecurityKey PublicKey(string file)
    {
        string pem = Read(file);
        try
        {
            if (IsEcKey(pem))
            {
                var ec = ECDsa.Create();
                ec.ImportFromPem(pem);
                return new ECDsaSecurityKey(ec);
            }
            var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            return new RsaSecurityKey(rsa);
        }
        catch (Exception bad) when (bad is ArgumentException or CryptographicException)
        {
            throw new ArgumentException($"{file}: not a PEM RSA or EC public key: {bad.Message}", bad);
        }
    }

    /// <summary>A <c>PUBLIC KEY</c> (SubjectPublicKeyInfo) block may hold either kind.</summary>
    private static bool IsEcKey(string pem)
    {
        using var ec = ECDsa.Create();
        try
        {
            ec.ImportFromPem(pem);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static string Read(string file)
    {
        try
        {
            return File.ReadAllText(file);
        }
        catch (Exception bad) when (bad is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"{file}: {bad.Message}", bad);
        }
    }
}
