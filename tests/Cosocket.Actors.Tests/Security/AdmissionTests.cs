using System.Text;
using Akka.TestKit.Xunit2;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Security;
using Cosocket.Actors.Server;
using Cosocket.Actors.Tests.Server;

namespace Cosocket.Actors.Tests.Security;

/// <summary>What an upgrade passes before its handler runs: the Origin, the authenticator, and the route's need of an identity.</summary>
public class AdmissionTests : TestKit
{
    private sealed record Seen(ConnectionIdentity? Identity);

    /// <summary>A listener with <paramref name="options"/> and a route that may require an identity; its handler reports what it saw.</summary>
    private async Task<(string Answer, Seen? Seen)> UpgradeAsync(ServerOptions options, bool requireIdentity, string extraHeaders = "", string path = "/s")
    {
        var seen = new TaskCompletionSource<Seen>(TaskCreationOptions.RunContinuationsAsynchronously);
        var routes = new WebSocketRoutes().Map("/s", async request =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            seen.SetResult(new Seen(wb!.Identity));
        }, requireIdentity);
        var binding = CosocketServer.Bind(Sys, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0), routes, options);
        await using var client = await RawClient.ConnectAsync(binding.EndPoint);
        await client.WriteAsync(RawClient.Request(path, extraHeaders));
        string head = await client.ReadHeadAsync();
        if (!head.StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
            return (head + Encoding.UTF8.GetString(await client.ReadToEndAsync()), null);
        return (head, await seen.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    private static readonly HandshakeAuthenticator Tokens = request => ValueTask.FromResult(request.Headers["Authorization"] switch
    {
        null => AuthenticationResult.Anonymous,
        "Bearer alice" => AuthenticationResult.Authenticated(ConnectionIdentity.Of("alice")),
        _ => AuthenticationResult.Rejected(401, "invalid token: bad signature"),
    });

    [Fact]
    public async Task RequiredIdentity_NoAuthenticator_Is401()
    {
        var (answer, seen) = await UpgradeAsync(new ServerOptions(), requireIdentity: true);
        Assert.StartsWith("HTTP/1.1 401 Unauthorized\r\n", answer);
        Assert.Contains("WWW-Authenticate: Bearer\r\n", answer);
        Assert.EndsWith(Admission.IdentityRequired, answer);
        Assert.Null(seen);
    }

    [Fact]
    public async Task RequiredIdentity_Authenticated_ReachesTheHandlerWithIt()
    {
        var (answer, seen) = await UpgradeAsync(new ServerOptions { Authenticator = Tokens }, requireIdentity: true, "Authorization: Bearer alice\r\n");
        Assert.StartsWith("HTTP/1.1 101", answer);
        Assert.Equal("alice", seen!.Identity!.User);
    }

    [Fact]
    public async Task BadCredentials_AreRefused_EvenWhereAnonymousWouldDo()
    {
        var (answer, _) = await UpgradeAsync(new ServerOptions { Authenticator = Tokens }, requireIdentity: false, "Authorization: Bearer mallory\r\n");
        Assert.StartsWith("HTTP/1.1 401 ", answer);
        Assert.EndsWith("invalid token: bad signature", answer);
    }

    [Fact]
    public async Task OpenRoute_NoCredentials_IsAnonymous()
    {
        var (answer, seen) = await UpgradeAsync(new ServerOptions { Authenticator = Tokens }, requireIdentity: false);
        Assert.StartsWith("HTTP/1.1 101", answer);
        Assert.Null(seen!.Identity);
    }

    [Fact]
    public async Task CrossOriginUpgrade_Is403_BeforeAuthentication()
    {
        // RawClient's request says it comes from a page of http://example.com, to Host localhost.
        var (answer, _) = await UpgradeAsync(new ServerOptions { Authenticator = Tokens, Origins = OriginPolicy.SameOrigin }, requireIdentity: true,
            "Authorization: Bearer alice\r\n");
        Assert.StartsWith("HTTP/1.1 403 Forbidden\r\n", answer);
        Assert.EndsWith("origin not allowed: http://example.com", answer);
    }

    [Fact]
    public async Task DefaultOptions_CheckNoOrigin_AsTheSeed()
    {
        var (answer, _) = await UpgradeAsync(new ServerOptions(), requireIdentity: false);
        Assert.StartsWith("HTTP/1.1 101", answer);
    }

    [Fact]
    public async Task ConfiguredOrigin_IsAdmitted()
    {
        var options = new ServerOptions { Origins = OriginPolicy.SameOrigin with { AllowedOrigins = ["http://example.com"] } };
        var (answer, _) = await UpgradeAsync(options, requireIdentity: false);
        Assert.StartsWith("HTTP/1.1 101", answer);
    }
}
