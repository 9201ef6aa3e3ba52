using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Cosocket.Actors.Server;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cosocket.AspNetCore.Tests;

/// <summary>An ASP.NET Core application on Kestrel (127.0.0.1, an ephemeral port) with Cosocket added,
/// endpoints mapped by the test, and a header-based authentication scheme (<c>X-User: NAME</c>).</summary>
internal sealed class HostedApp : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly WebApplication _app;

    private HostedApp(WebApplication app, Uri http)
    {
        _app = app;
        Http = http;
    }

    public Uri Http { get; }

    public IServiceProvider Services => _app.Services;

    public Uri Ws(string path) => new($"ws://{Http.Authority}{path}");

    /// <param name="protocols">Kestrel's protocols on the port: HTTP/1.1 unless a test wants HTTP/2
    /// (cleartext HTTP/2 needs prior knowledge, so an HTTP/2 port speaks only HTTP/2).</param>
    public static async Task<HostedApp> StartAsync(Action<WebApplication> map, Action<CosocketOptions>? configure = null,
        HttpProtocols protocols = HttpProtocols.Http1, Action<KestrelServerOptions>? configureKestrel = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = protocols);
            configureKestrel?.Invoke(kestrel);
        });
        builder.Services.AddCosocket(configure);
        builder.Services.AddAuthentication(HeaderAuthentication.Name)
            .AddScheme<AuthenticationSchemeOptions, HeaderAuthentication>(HeaderAuthentication.Name, null);
        builder.Services.AddAuthorization();
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        map(app);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new HostedApp(app, new Uri(address));
    }

    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    /// <summary>Authenticates a request as the user its <c>X-User</c> header names.</summary>
    private sealed class HeaderAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string Name = "header";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (Request.Headers["X-User"].FirstOrDefault() is not { Length: > 0 } user)
                return Task.FromResult(AuthenticateResult.NoResult());
            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, user), new Claim("role", "tester")], Name);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Name)));
        }
    }
}
