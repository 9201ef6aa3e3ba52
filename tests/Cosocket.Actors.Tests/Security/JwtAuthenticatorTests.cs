using System.Security.Cryptography;
using System.Text;
using Cosocket.Actors.Security;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Cosocket.Actors.Tests.Security;

public class JwtAuthenticatorTests : IDisposable
{
    private const string Secret = "a-shared-secret-that-is-32-bytes-long!";
    private readonly string _directory = Directory.CreateTempSubdirectory("cosocket-jwt").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string Token(SigningCredentials? credentials, string? subject = "alice", string audience = "cosocket", string? issuer = null,
        DateTime? expires = null, DateTime? notBefore = null, Dictionary<string, object>? claims = null)
    {
        var now = DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object>(claims ?? []),
            Audience = audience,
            Issuer = issuer,
            NotBefore = notBefore ?? now.AddMinutes(-5),
            IssuedAt = (notBefore ?? now).AddMinutes(-5),
            Expires = expires ?? now.AddHours(1),
            SigningCredentials = credentials,
        };
        if (subject is not null)
            descriptor.Claims["sub"] = subject;
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    private static SigningCredentials Hs256(string secret = Secret) =>
        new(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256);

    private static JwtAuthenticator Hs256Authenticator(string? issuer = null) => new(new JwtOptions { HmacSecret = Secret, Issuer = issuer });

    [Fact]
    public async Task Validate_Hs256Token_GivesTheSubjectAndTheClaims()
    {
        var (identity, err) = await Hs256Authenticator().ValidateAsync(Token(Hs256(), claims: new() { [AddressingPolicy.SubscribeClaim] = "news sport" }));
        Assert.Null(err);
        Assert.Equal("alice", identity!.User);
        Assert.Equal(["news", "sport"], identity.Values(AddressingPolicy.SubscribeClaim));
    }

    public static TheoryData<string, string> Refused() => new()
    {
        { "expired", Token(Hs256(), expires: DateTime.UtcNow.AddMinutes(-10), notBefore: DateTime.UtcNow.AddMinutes(-20)) },
        { "not valid yet", Token(Hs256(), notBefore: DateTime.UtcNow.AddMinutes(10), expires: DateTime.UtcNow.AddMinutes(20)) },
        { "bad signature", Token(Hs256("another-secret-that-is-32-bytes-long!!")) },
        { "wrong audience", Token(Hs256(), audience: "somebody-else") },
        { "no sub claim", Token(Hs256(), subject: null) },
        { "malformed", "not.a.token" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Validate_TokenThatDoesNotHold_IsRefusedWithTheReason(string reason, string token)
    {
        var (identity, err) = await Hs256Authenticator().ValidateAsync(token);
        Assert.Null(identity);
        Assert.Equal("invalid token: " + reason, err);
    }

    [Fact]
    public async Task Validate_UnsignedToken_IsRefused()
    {
        // alg "none": whoever wrote it could have written anything.
        var (identity, err) = await Hs256Authenticator().ValidateAsync(Token(credentials: null));
        Assert.Null(identity);
        Assert.StartsWith("invalid token: ", err);
    }

    [Fact]
    public async Task Validate_IssuerConfigured_RefusesAnother()
    {
        var authenticator = Hs256Authenticator(issuer: "https://login.example");
        Assert.Equal("invalid token: wrong issuer", (await authenticator.ValidateAsync(Token(Hs256(), issuer: "https://evil.example"))).Err);
        Assert.Null((await authenticator.ValidateAsync(Token(Hs256(), issuer: "https://login.example"))).Err);
    }

    [Fact]
    public async Task Validate_Rs256_WithAPemPublicKey()
    {
        using var rsa = RSA.Create(2048);
        string pem = Path.Combine(_directory, "rsa.pem");
        File.WriteAllText(pem, rsa.ExportSubjectPublicKeyInfoPem());
        var authenticator = new JwtAuthenticator(new JwtOptions { PublicKeyFiles = [pem] });
        var (identity, err) = await authenticator.ValidateAsync(Token(new SigningCredentials(new RsaSecurityKey(rsa), SecurityAlgorithms.RsaSha256)));
        Assert.Null(err);
        Assert.Equal("alice", identity!.User);
        using var other = RSA.Create(2048);
        Assert.Equal("invalid token: bad signature", (await authenticator.ValidateAsync(Token(new SigningCredentials(new RsaSecurityKey(other), SecurityAlgorithms.RsaSha256)))).Err);
    }

    [Fact]
    public async Task Validate_Es256_WithAJwksFile()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var jwk = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(ECDsa.Create(ec.ExportParameters(false))) { KeyId = "k1" });
        string jwks = Path.Combine(_directory, "keys.json");
        File.WriteAllText(jwks, $$"""{"keys":[{"kty":"EC","crv":"{{jwk.Crv}}","x":"{{jwk.X}}","y":"{{jwk.Y}}","kid":"k1","use":"sig","alg":"ES256"}]}""");
        var authenticator = new JwtAuthenticator(new JwtOptions { JwksFile = jwks });
        var (identity, err) = await authenticator.ValidateAsync(Token(new SigningCredentials(new ECDsaSecurityKey(ec) { KeyId = "k1" }, SecurityAlgorithms.EcdsaSha256)));
        Assert.Null(err);
        Assert.Equal("alice", identity!.User);
    }

    [Fact]
    public void New_SecretShorterThan32Bytes_IsRefused() =>
        Assert.Contains("at least 32 bytes", Assert.Throws<ArgumentException>(() => new JwtAuthenticator(new JwtOptions { HmacSecret = "short" })).Message);

    [Fact]
    public void New_NoKey_IsRefused() =>
        Assert.Throws<ArgumentException>(() => new JwtAuthenticator(new JwtOptions()));

    [Fact]
    public void TokenOf_HeaderFirst_ThenTheQuery()
    {
        Assert.Equal("h", JwtAuthenticator.TokenOf("Bearer h", ["q"]));
        Assert.Equal("q", JwtAuthenticator.TokenOf(null, ["q"]));
        Assert.Equal("q", JwtAuthenticator.TokenOf("Basic x", ["q"]));
        Assert.Null(JwtAuthenticator.TokenOf(null, []));
    }
}
