using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Cosocket.Host.Tests;

/// <summary>
/// The attacks the host must stop: connecting as somebody else, reading or writing topics without
/// permission, upgrades from another site's page, floods, and the HTTP API without the right token.
/// The host runs with these tests' JWT secret, a static API token, and a strict rate limit on the
/// endpoints that reach other people.
/// </summary>
public sealed class SecurityTests : IAsyncLifetime
{
    private const string StaticToken = "operator-secret";
    private readonly string _config = Path.GetTempFileName();
    private RunningHost _host = null!;
    private readonly HttpClient _http = new() { Timeout = Peer.Patience };

    public async Task InitializeAsync()
    {
        File.WriteAllText(_config, $$"""
            cosocket.http.token = "{{StaticToken}}"
            cosocket.rate-limit { messages-per-second = 20, bytes-per-second = 0, policy = close }
            """);
        _host = await RunningHost.StartAsync(null, "--config", _config);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        File.Delete(_config);
        _http.Dispose();
    }

    private Uri Ws => new($"ws://{_host.EndPoint}");

    private Task<(RawWebSocket Client, string Answer)> UpgradeAsync(string path, string extraHeaders = "") =>
        RawWebSocket.UpgradeAsync(_host.EndPoint.Port, path, extraHeaders);

    private static string Only(string user, string claim, string pattern) => TestTokens.For(user, new() { [claim] = pattern });

    [Fact]
    public async Task Connect_WithoutAToken_Is401_WithTheScheme()
    {
        var (client, answer) = await UpgradeAsync("/connect");
        using (client)
        {
            Assert.StartsWith("HTTP/1.1 401 Unauthorized\r\n", answer, StringComparison.Ordinal);
            Assert.Contains("WWW-Authenticate: Bearer\r\n", answer, StringComparison.Ordinal);
        }
    }

    public static TheoryData<string, string> Invalid() => new()
    {
        { "expired", TestTokens.For("alice", expires: DateTime.UtcNow.AddMinutes(-10), notBefore: DateTime.UtcNow.AddMinutes(-20)) },
        { "bad signature", TestTokens.For("alice", secret: "somebody-elses-secret-of-32-bytes-or-more") },
        { "wrong audience", TestTokens.For("alice", audience: "another-service") },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public async Task Connect_WithATokenThatDoesNotHold_Is401_AndSaysWhy(string reason, string token)
    {
        foreach (string headers in new[] { $"Authorization: Bearer {token}\r\n", "" })
        {
            var (client, answer) = await UpgradeAsync(headers.Length == 0 ? "/connect?access_token=" + token : "/connect", headers);
            using (client)
            {
                Assert.StartsWith("HTTP/1.1 401 ", answer, StringComparison.Ordinal);
                Assert.EndsWith("invalid token: " + reason, answer, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Connect_WithASubjectThatIsNoUserName_Is400()
    {
        var (client, answer) = await UpgradeAsync("/connect?access_token=" + TestTokens.Full(new string('x', 300)));
        client.Dispose();
        Assert.StartsWith("HTTP/1.1 400 ", answer, StringComparison.Ordinal);
        Assert.Contains("the token's subject is not a user name: a user must be 1 to 256 characters", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AlicesMessages_NeverReachAConnectionThatIsNotAlice()
    {
        var (alice, _) = await Peer.JoinAsync(Ws, "alice");
        var (mallory, _) = await Peer.JoinAsync(Ws, "mallory");
        using (alice)
        using (mallory)
        {
            // Naming alice in the query does not make mallory alice.
            var (impostor, answer) = await UpgradeAsync("/connect?user=alice&access_token=" + TestTokens.Full("mallory"));
            impostor.Dispose();
            Assert.StartsWith("HTTP/1.1 400 ", answer, StringComparison.Ordinal);

            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_host.Http, "/api/users/alice")) { Content = new StringContent("for alice only") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", StaticToken);
            Assert.Equal(HttpStatusCode.OK, (await _http.SendAsync(request)).StatusCode);
            Assert.Equal("for alice only", await alice.ReceiveAsync());
            // Mallory's own probe is sent after: anything for alice queued to mallory would come before
            // it. (The command's result and the probe itself may come in either order.)
            await mallory.SendAsync("""{"op":"user","user":"mallory","text":"probe"}""");
            string[] next = [await mallory.ReceiveAsync(), await mallory.ReceiveAsync()];
            Assert.Contains("probe", next);
            Assert.DoesNotContain("for alice only", next);
        }
    }

    [Fact]
    public async Task Identity_IsVisibleToTheClusterApi_ByConnectionId()
    {
        var cluster = _host.Services.GetRequiredService<WebSocketService>().Cluster!;
        var (alice, aliceId) = await Peer.JoinAsync(Ws, "alice");
        using (alice)
        {
            var identity = await cluster.GetIdentityAsync(aliceId);
            Assert.Equal(("alice", null), (identity.User, identity.Err));
            Assert.Contains(new KeyValuePair<string, string>(AddressingPolicy.SendClaim, "*"), identity.Claims);
        }
        Assert.Equal("no such connection", (await cluster.GetIdentityAsync(aliceId[..9] + "nobody")).Err);
    }

    [Fact]
    public async Task Topics_WithoutPermission_AreDeniedClearly()
    {
        string newsReader = Only("reader", AddressingPolicy.SubscribeClaim, "news");
        var (refused, answer) = await UpgradeAsync("/connect?topic=secret&access_token=" + newsReader);
        refused.Dispose();
        Assert.StartsWith("HTTP/1.1 403 ", answer, StringComparison.Ordinal);
        Assert.EndsWith("not allowed to subscribe to secret", answer, StringComparison.Ordinal);

        using var reader = await Peer.ConnectAsync(new Uri(Ws, "/connect?topic=news"), newsReader);
        Assert.Equal("welcome", JsonNode.Parse(await reader.ReceiveAsync())!["type"]!.GetValue<string>());
        await reader.SendAsync("""{"op":"subscribe","topic":"secret"}""");
        Assert.Equal("not allowed to subscribe to secret", JsonNode.Parse(await reader.ReceiveAsync())!["error"]!.GetValue<string>());
        await reader.SendAsync("""{"op":"publish","topic":"news","text":"fake news"}""");
        Assert.Equal("not allowed to publish to news", JsonNode.Parse(await reader.ReceiveAsync())!["error"]!.GetValue<string>());
        await reader.SendAsync("""{"op":"user","user":"alice","text":"hi"}""");
        Assert.Equal("not allowed to send to user:alice", JsonNode.Parse(await reader.ReceiveAsync())!["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task ChatNamespace_IsOutOfReachOfATokenThatMayAddressEverythingElse()
    {
        var (peer, _) = await Peer.JoinAsync(Ws, "alice");
        using (peer)
        {
            await peer.SendAsync("""{"op":"subscribe","topic":"chat:lobby"}""");
            Assert.Equal("not allowed to subscribe to chat:lobby", JsonNode.Parse(await peer.ReceiveAsync())!["error"]!.GetValue<string>());
            await peer.SendAsync("""{"op":"publish","topic":"chat:lobby","text":"{\"type\":\"say\",\"name\":\"admin\",\"text\":\"phish\"}"}""");
            Assert.Equal("not allowed to publish to chat:lobby", JsonNode.Parse(await peer.ReceiveAsync())!["error"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task CrossOriginUpgrade_Is403_TheHostsOwnPageIsAdmitted()
    {
        var (hijack, answer) = await UpgradeAsync("/chat/lobby", "Origin: http://evil.example\r\n");
        hijack.Dispose();
        Assert.StartsWith("HTTP/1.1 403 ", answer, StringComparison.Ordinal);
        Assert.EndsWith("origin not allowed: http://evil.example", answer, StringComparison.Ordinal);

        var (page, admitted) = await UpgradeAsync("/chat/lobby", $"Origin: http://127.0.0.1:{_host.Http.Port}\r\n");
        page.Dispose();
        Assert.StartsWith("HTTP/1.1 101 ", admitted, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChatFlood_OverTheRateLimit_IsClosedWith1008()
    {
        long before = ConnectionCounters.RateLimitCloses;
        using var flooder = await RawWebSocket.ConnectAsync(_host.EndPoint.Port, "/chat/flood");
        await flooder.WriteAsync([.. Enumerable.Range(0, 200).SelectMany(i => RawWebSocket.Frame(0x1, System.Text.Encoding.UTF8.GetBytes($$"""{"type":"say","text":"{{i}}"}""")))]);
        while (true)
        {
            var (opcode, data) = await flooder.ReadFrameAsync();
            if (opcode != 0x8)
                continue;
            Assert.Equal("\u0003\u00f0" + RateLimitOptions.Exceeded, data);
            break;
        }
        Assert.True(ConnectionCounters.RateLimitCloses > before);
    }

    private async Task<HttpStatusCode> PostAsync(string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_host.Http, path)) { Content = new StringContent("x") };
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (await _http.SendAsync(request)).StatusCode;
    }

    [Fact]
    public async Task HttpApi_TakesAJwtWithTheClaim_RefusesOneWithout_AndTakesTheStaticToken()
    {
        var (subscriber, _) = await Peer.JoinAsync(Ws, "sub", "news");
        using (subscriber)
        {
            Assert.Equal(HttpStatusCode.Accepted, await PostAsync("/api/topics/news", Only("publisher", AddressingPolicy.PublishClaim, "news")));
            Assert.Equal(HttpStatusCode.Forbidden, await PostAsync("/api/topics/news", Only("reader", AddressingPolicy.SubscribeClaim, "news")));
            Assert.Equal(HttpStatusCode.Forbidden, await PostAsync("/api/users/sub", Only("publisher", AddressingPolicy.PublishClaim, "news")));
            Assert.Equal(HttpStatusCode.Unauthorized, await PostAsync("/api/topics/news", TestTokens.For("x", secret: "somebody-elses-secret-of-32-bytes-or-more")));
            Assert.Equal(HttpStatusCode.Accepted, await PostAsync("/api/topics/news", StaticToken));
        }
    }

    [Fact]
    public async Task ClusterInternals_NeedTheStaticTokenOrAnAdminJwt_HealthStaysOpen()
    {
        async Task<HttpStatusCode> GetAsync(string path, string? token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_host.Http, path));
            if (token is not null)
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return (await _http.SendAsync(request)).StatusCode;
        }
        foreach (string path in new[] { "/api/cluster/members", "/metrics" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(path, null));
            Assert.Equal(HttpStatusCode.Forbidden, await GetAsync(path, TestTokens.Full("alice")));
            Assert.Equal(HttpStatusCode.OK, await GetAsync(path, TestTokens.For("ops", new() { [AddressingPolicy.AdminClaim] = "true" })));
            Assert.Equal(HttpStatusCode.OK, await GetAsync(path, StaticToken));
        }
        Assert.Equal(HttpStatusCode.OK, await GetAsync("/health", null));
    }
}
