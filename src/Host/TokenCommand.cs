using System.Text;
using Akka.Configuration;
using Cosocket.Actors.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Cosocket.Host;

/// <summary>
/// <c>cosocket token --user U</c>: prints a JWT for <c>/connect</c> and the HTTP API, signed with the
/// HS256 secret the service itself is configured with (<c>cosocket.auth.jwt.secret</c>, or
/// <c>COSOCKET__AUTH__JWT__SECRET</c>), for development and operations; production tokens come from
/// the application's own identity provider. Exits 1 when no secret is configured, 2 on bad arguments.
/// </summary>
public static class TokenCommand
{
    public const string Usage = "usage: cosocket token --user U [--subscribe PATTERN]... [--publish PATTERN]... [--send PATTERN]... " +
        "[--admin] [--ttl MINUTES] [--config FILE]";

    public static int Run(string[] args, TextWriter output, TextWriter errors)
    {
        var claims = new Dictionary<string, object>();
        var patterns = new Dictionary<string, List<string>>();
        string? user = null, configFile = null;
        double minutes = 60;
        for (int i = 0; i < args.Length; i++)
        {
            string? Value() => i + 1 < args.Length ? args[++i] : null;
            switch (args[i])
            {
                case "--user":
                    user = Value();
                    break;
                case "--subscribe" or "--publish" or "--send" when Value() is { } pattern:
                    string claim = "cosocket:" + args[i - 1][2..];
                    (patterns.TryGetValue(claim, out var list) ? list : patterns[claim] = []).Add(pattern);
                    break;
                case "--admin":
                    claims[AddressingPolicy.AdminClaim] = "true";
                    break;
                case "--ttl" when double.TryParse(Value(), System.Globalization.CultureInfo.InvariantCulture, out minutes) && minutes > 0:
                    break;
                case "--config":
                    configFile = Value();
                    break;
                default:
                    errors.WriteLine(Usage);
                    return 2;
            }
        }
        if (string.IsNullOrEmpty(user) || configFile == "")
        {
            errors.WriteLine(Usage);
            return 2;
        }
        Config config = ConfigurationFactory.ParseString(File.ReadAllText(CosocketHost.DefaultConfigPath));
        if (configFile is not null)
            config = ConfigurationFactory.ParseString(File.ReadAllText(configFile)).WithFallback(config);
        var environment = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var jwt = HostSettings.From(config, environment).Jwt;
        if (string.IsNullOrEmpty(jwt?.HmacSecret))
        {
            errors.WriteLine("cosocket token: no HS256 secret is configured (cosocket.auth.jwt.secret or COSOCKET__AUTH__JWT__SECRET)");
            return 1;
        }
        foreach (var (claim, list) in patterns)
            claims[claim] = string.Join(' ', list);
        claims["sub"] = user;
        var now = DateTime.UtcNow;
        output.WriteLine(new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            Audience = jwt.Audience,
            Issuer = jwt.Issuer,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(minutes),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(jwt.HmacSecret)), SecurityAlgorithms.HmacSha256),
        }));
        return 0;
    }
}
