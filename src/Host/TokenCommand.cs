using System.CommandLine;
using System.Text;
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
internal static class TokenCommand
{
    internal static Command Command(TextWriter output, TextWriter errors)
    {
        var user = new Option<string>("--user") { Description = "The subject (sub): the user the token names.", HelpName = "U", Required = true };
        var subscribe = new Option<string[]>("--subscribe") { Description = "A topic pattern it may subscribe to; repeatable.", HelpName = "PATTERN" };
        var publish = new Option<string[]>("--publish") { Description = "A topic pattern it may publish to; repeatable.", HelpName = "PATTERN" };
        var send = new Option<string[]>("--send") { Description = "user:NAME or connection:ID patterns it may send to; repeatable.", HelpName = "PATTERN" };
        var admin = new Option<bool>("--admin") { Description = "It may read the cluster's internals (/metrics, membership)." };
        var ttl = new Option<double>("--ttl") { Description = "Minutes until it expires.", HelpName = "MINUTES", DefaultValueFactory = _ => 60 };
        ttl.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() <= 0)
                result.AddError("--ttl must be a positive number of minutes");
        });
        var config = new Option<FileInfo>("--config") { Description = "A HOCON file whose keys override akka.hocon's.", HelpName = "FILE" };
        config.MustExist();
        var command = new Command("token", "Print a JWT signed with the configured HS256 secret (cosocket.auth.jwt.secret, COSOCKET__AUTH__JWT__SECRET).")
        {
            user, subscribe, publish, send, admin, ttl, config,
        };
        command.SetAction(parse =>
        {
            var claims = new Dictionary<string, object>();
            foreach (var (claim, option) in new[] { (AddressingPolicy.SubscribeClaim, subscribe), (AddressingPolicy.PublishClaim, publish), (AddressingPolicy.SendClaim, send) })
            {
                if (parse.GetValue(option) is { Length: > 0 } patterns)
                    claims[claim] = string.Join(' ', patterns);
            }
            if (parse.GetValue(admin))
                claims[AddressingPolicy.AdminClaim] = "true";
            claims["sub"] = parse.GetValue(user)!;
            return Mint(claims, TimeSpan.FromMinutes(parse.GetValue(ttl)), parse.GetValue(config)?.FullName, output, errors);
        });
        return command;
    }

    private static int Mint(Dictionary<string, object> claims, TimeSpan lifetime, string? configFile, TextWriter output, TextWriter errors)
    {
        var config = CosocketHost.LoadConfig(configFile);
        var environment = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var jwt = HostSettings.From(config, environment).Jwt;
        if (string.IsNullOrEmpty(jwt?.HmacSecret))
        {
            errors.WriteLine("cosocket token: no HS256 secret is configured (cosocket.auth.jwt.secret or COSOCKET__AUTH__JWT__SECRET)");
            return Cli.Failed;
        }
        var now = DateTime.UtcNow;
        output.WriteLine(new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            Audience = jwt.Audience,
            Issuer = jwt.Issuer,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(jwt.HmacSecret)), SecurityAlgorithms.HmacSha256),
        }));
        return 0;
    }
}
