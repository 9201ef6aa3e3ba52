using System.Runtime.CompilerServices;
using System.Text;
using Cosocket.Actors.Security;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Cosocket.Host.Tests;

/// <summary>
/// JSON Web Tokens for the tests. Every host these tests start, in this process or as a child
/// process (which inherits the environment), takes tokens signed with <see cref="Secret"/>.
/// </summary>
internal static class TestTokens
{
    public const string Secret = "the-tests-shared-hs256-secret-of-32-bytes-or-more";

#pragma warning disable CA2255 // the tests' process-wide set-up, before any host is built
    [ModuleInitializer]
    internal static void UseTestSecret() => Environment.SetEnvironmentVariable("COSOCKET__AUTH__JWT__SECRET", Secret);
#pragma warning restore CA2255

    /// <summary>A token for <paramref name="user"/> that may subscribe, publish and send anywhere
    /// (outside the chat's reserved namespace).</summary>
    public static string Full(string user) => For(user, new()
    {
        [AddressingPolicy.SubscribeClaim] = "*",
        [AddressingPolicy.PublishClaim] = "*",
        [AddressingPolicy.SendClaim] = "*",
    });

    /// <summary>An HTTP client whose every request carries a token that may read the cluster's internals (<c>/metrics</c>, membership).</summary>
    public static HttpClient AdminClient(TimeSpan timeout, Uri? baseAddress = null)
    {
        var client = new HttpClient { Timeout = timeout, BaseAddress = baseAddress };
        client.DefaultRequestHeaders.Authorization = new("Bearer", For("operator", new() { [AddressingPolicy.AdminClaim] = "true" }));
        return client;
    }

    public static string For(string user, Dictionary<string, object>? claims = null, DateTime? expires = null, DateTime? notBefore = null,
        string audience = "cosocket", string secret = Secret)
    {
        var now = DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object>(claims ?? []) { ["sub"] = user },
            Audience = audience,
            IssuedAt = (notBefore ?? now).AddMinutes(-1),
            NotBefore = notBefore ?? now.AddMinutes(-1),
            Expires = expires ?? now.AddHours(1),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }
}
