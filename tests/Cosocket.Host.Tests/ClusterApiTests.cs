using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Cosocket.Host.Endpoints;
using Microsoft.Extensions.DependencyInjection;

namespace Cosocket.Host.Tests;

/// <summary>
/// Addressing on one node (a single-node cluster, the default): connections by id, users and topics
/// through <c>/connect</c> and the HTTP publish API; the chat endpoint and page.
/// </summary>
public sealed class ClusterApiTests : IAsyncLifetime
{
    private const string Token = "s3cret";
    private readonly string _config = Path.GetTempFileName();
    private RunningHost _host = null!;
    private readonly HttpClient _http = new() { Timeout = Peer.Patience };
    private readonly HttpClient _admin = TestTokens.AdminClient(Peer.Patience);

    public async Task InitializeAsync()
    {
        File.WriteAllText(_config, $"cosocket.http.token = \"{Token}\"\n");
        _host = await RunningHost.StartAsync(null, "--config", _config);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        File.Delete(_config);
        _http.Dispose();
        _admin.Dispose();
    }

    private Uri Ws => new($"ws://{_host.EndPoint}");

    private async Task<(HttpStatusCode Status, JsonNode? Body)> PostAsync(string path, string body, string? token = Token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_host.Http, path)) { Content = new StringContent(body) };
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    [Fact]
    public async Task SendToConnection_ByItsId_ArrivesOnThatConnectionOnly()
    {
        var (alice, aliceId) = await Peer.JoinAsync(Ws);
        var (bob, _) = await Peer.JoinAsync(Ws);
        using (alice)
        using (bob)
        {
            var (status, body) = await PostAsync($"/api/connections/{aliceId}", "for alice");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(1, body!["delivered"]!.GetValue<int>());
            Assert.Equal("for alice", await alice.ReceiveAsync());

            // The same through bob's own connection: a command, answered with its result.
            await bob.SendAsync($$"""{"op":"send","connection":"{{aliceId}}","text":"from bob"}""");
            Assert.Equal("from bob", await alice.ReceiveAsync());
            Assert.Equal(1, JsonNode.Parse(await bob.ReceiveAsync())!["delivered"]!.GetValue<int>());
        }
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("""{"op":"send","connection":42,"text":"x"}""")]
    [InlineData("""{"op":"teleport"}""")]
    public async Task BadCommand_IsAnsweredWithAnError_AndTheConnectionStays(string command)
    {
        var (peer, id) = await Peer.JoinAsync(Ws);
        using (peer)
        {
            await peer.SendAsync(command);
            Assert.StartsWith("expected a JSON object", JsonNode.Parse(await peer.ReceiveAsync())!["error"]!.GetValue<string>());
            await peer.SendAsync($$"""{"op":"send","connection":"{{id}}","text":"still here"}""");
            var next = new[] { await peer.ReceiveAsync(), await peer.ReceiveAsync() }; // the message and the result, in either order
            Assert.Contains("still here", next);
        }
    }

    [Fact]
    public async Task SendToConnection_ThatDoesNotExist_Is404WithAClearError()
    {
        var (_, id) = await Peer.JoinAsync(Ws);
        var (status, body) = await PostAsync($"/api/connections/{id[..9]}00000000000000000000000000000000", "x");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("no such connection", body!["error"]!.GetValue<string>());
        (status, body) = await PostAsync("/api/connections/ffffffff-nonode", "x");
        Assert.Equal((HttpStatusCode.NotFound, "no such connection"), (status, body!["error"]!.GetValue<string>()));
    }

    [Fact]
    public async Task SendToUser_ReachesEachOfItsConnectionsOnce()
    {
        var (phone, _) = await Peer.JoinAsync(Ws, user: "carol");
        var (laptop, _) = await Peer.JoinAsync(Ws, user: "carol");
        using (phone)
        using (laptop)
        {
            var (status, body) = await PostAsync("/api/users/carol", "hi carol");
            Assert.Equal((HttpStatusCode.OK, 2), (status, body!["delivered"]!.GetValue<int>()));
            Assert.Equal("hi carol", await phone.ReceiveAsync());
            Assert.Equal("hi carol", await laptop.ReceiveAsync());

            (status, body) = await PostAsync("/api/users/nobody", "x");
            Assert.Equal((HttpStatusCode.NotFound, "no such user"), (status, body!["error"]!.GetValue<string>()));
        }
    }

    [Fact]
    public async Task PublishToTopic_ReachesEverySubscriber_AndAnUnknownTopicIs404()
    {
        var (first, _) = await Peer.JoinAsync(Ws, null, "news");
        var (second, _) = await Peer.JoinAsync(Ws, null, "news", "sport");
        using (first)
        using (second)
        {
            var (status, _) = await PostAsync("/api/topics/news", "extra!");
            Assert.Equal(HttpStatusCode.Accepted, status);
            Assert.Equal("extra!", await first.ReceiveAsync());
            Assert.Equal("extra!", await second.ReceiveAsync());

            var (missing, body) = await PostAsync("/api/topics/weather", "x");
            Assert.Equal((HttpStatusCode.NotFound, "no subscribers"), (missing, body!["error"]!.GetValue<string>()));
        }
    }

    /// <summary>A topic's message reaches subscribers that compress differently (a 15-bit window, a
    /// 10-bit one, none): the host compresses it once per setting, and each gets it whole.</summary>
    [Fact]
    public async Task PublishToTopic_SubscribersWithDifferentCompression_EachGetItWhole()
    {
        string json = string.Concat(Enumerable.Range(0, 3000).Select(i => $"{{\"user\":\"user{i % 7}\",\"text\":\"message {i}\"}}"));
        var (wide, _) = await Peer.JoinCompressedAsync(Ws, new System.Net.WebSockets.WebSocketDeflateOptions(), "compressed");
        var (wideToo, _) = await Peer.JoinCompressedAsync(Ws, new System.Net.WebSockets.WebSocketDeflateOptions(), "compressed");
        var (narrow, _) = await Peer.JoinCompressedAsync(Ws, new System.Net.WebSockets.WebSocketDeflateOptions { ServerMaxWindowBits = 10 }, "compressed");
        var (plain, _) = await Peer.JoinCompressedAsync(Ws, null, "compressed");
        using (wide)
        using (wideToo)
        using (narrow)
        using (plain)
        {
            var (status, _) = await PostAsync("/api/topics/compressed", json);
            Assert.Equal(HttpStatusCode.Accepted, status);
            foreach (var peer in new[] { wide, wideToo, narrow, plain })
                Assert.Equal(json, await peer.ReceiveAsync());
        }
    }

    [Fact]
    public async Task MessagesOverOneFrame_ThroughATopicAUserAndAnId_AreDeliveredWhole()
    {
        // Larger than the largest frame (max-payload-len, 65535): they go out as fragmented messages.
        string big = string.Concat(Enumerable.Range(0, 20_000).Select(i => (char)('a' + i % 26))) + new string('é', 50_000);
        var (peer, id) = await Peer.JoinAsync(Ws, "big", "large");
        using (peer)
        {
            var (status, _) = await PostAsync("/api/topics/large", big);
            Assert.Equal(HttpStatusCode.Accepted, status);
            Assert.Equal(big, await peer.ReceiveAsync());

            (status, var body) = await PostAsync("/api/users/big", big + "u");
            Assert.Equal((HttpStatusCode.OK, 1), (status, body!["delivered"]!.GetValue<int>()));
            Assert.Equal(big + "u", await peer.ReceiveAsync());

            (status, body) = await PostAsync($"/api/connections/{id}", big + "c");
            Assert.Equal((HttpStatusCode.OK, 1), (status, body!["delivered"]!.GetValue<int>()));
            Assert.Equal(big + "c", await peer.ReceiveAsync());
        }
    }

    [Theory]
    [InlineData("/connect?topic=", "a topic must be 1 to 256 characters")]
    [InlineData("/connect?user=bob", ConnectEndpoint.UserFromToken)]
    [InlineData("/connect?topic=%01", "a topic must be 1 to 256 characters")]
    public async Task Connect_WithAnInvalidName_IsRefusedBeforeTheUpgrade(string path, string reason)
    {
        var (client, answer) = await RawWebSocket.UpgradeAsync(_host.EndPoint.Port, path + "&access_token=" + TestTokens.Full("alice"));
        using (client)
        {
            Assert.StartsWith("HTTP/1.1 400 ", answer, StringComparison.Ordinal);
            Assert.Contains(reason, answer, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("""{"op":"subscribe","topic":""}""")]
    [InlineData("""{"op":"unsubscribe","topic":""}""")]
    [InlineData("""{"op":"publish","topic":"","text":"x"}""")]
    [InlineData("""{"op":"user","user":"","text":"x"}""")]
    public async Task Command_WithAnEmptyName_IsAnsweredWithAnError_AndTheConnectionStays(string command)
    {
        var (peer, id) = await Peer.JoinAsync(Ws);
        using (peer)
        {
            await peer.SendAsync(command);
            Assert.Contains("must be 1 to 256 characters", JsonNode.Parse(await peer.ReceiveAsync())!["error"]!.GetValue<string>(), StringComparison.Ordinal);

            await peer.SendAsync($$"""{"op":"send","connection":"{{id}}","text":"still here"}""");
            Assert.Equal("still here", await peer.ReceiveAsync());
        }
    }

    [Fact]
    public async Task Chat_TextThatIsNotAChatMessage_IsAnsweredWithAnErrorToItsSenderOnly()
    {
        using var ann = await Peer.ConnectAsync(new Uri(Ws, "/chat/errors?name=ann"));
        Assert.Equal("join", JsonNode.Parse(await ann.ReceiveAsync())!["type"]!.GetValue<string>());

        await ann.SendAsync("not json");
        var answer = JsonNode.Parse(await ann.ReceiveAsync())!;
        Assert.Equal("error", answer["type"]!.GetValue<string>());
        Assert.Contains("say", answer["error"]!.GetValue<string>(), StringComparison.Ordinal);

        await ann.SendAsync("""{"type":"say","text":"fine"}""");
        Assert.Equal("fine", JsonNode.Parse(await ann.ReceiveAsync())!["text"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("count=3&timeout=-1")]
    [InlineData("count=3&timeout=2147483647")]
    [InlineData("count=0")]
    public async Task MembersLongPoll_WithParametersOutOfRange_Is400(string query)
    {
        using var response = await _admin.GetAsync(new Uri(_host.Http, "/api/cluster/members?" + query));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("timeout 0 to 300 seconds", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MembersLongPoll_AbandonedByItsCaller_EndsOnTheNode()
    {
        using var polling = TestTokens.AdminClient(Peer.Patience);
        using var abandon = new CancellationTokenSource();
        var polls = Enumerable.Range(0, 50)
            .Select(_ => polling.GetAsync(new Uri(_host.Http, "/api/cluster/members?count=5&timeout=300"), abandon.Token))
            .ToArray();
        await UntilMetricAsync("cosocket_http_member_polls", 50);

        abandon.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.WhenAll(polls));
        // The node ends each wait as its caller goes, not after the 300 s the caller allowed.
        await UntilMetricAsync("cosocket_http_member_polls", 0);
    }

    /// <summary>This node's series (other hosts of the test process export theirs too).</summary>
    private (string, string) Node => ("node", Akka.Cluster.Cluster.Get(_host.Services.GetRequiredService<Akka.Actor.ActorSystem>()).SelfAddress.ToString());

    private Task UntilMetricAsync(string name, long value) => Eventually.HoldsAsync(
        async () => MetricsText.Value(await _admin.GetStringAsync(new Uri(_host.Http, "/metrics")), name, Node) == value, $"/metrics saying {name} {value}");

    [Fact]
    public async Task MembersLongPoll_ListsTheMembersItWaitedFor()
    {
        using var response = await _admin.GetAsync(new Uri(_host.Http, "/api/cluster/members?count=1&timeout=10"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["up"]!.AsArray());
    }

    [Fact]
    public async Task PublishApi_BodyOverTheLimit_Is413_WithContentLengthOrChunked()
    {
        var (peer, _) = await Peer.JoinAsync(Ws, null, "limits");
        using (peer)
        {
            byte[] tooLarge = new byte[1024 * 1024 + 1];
            Assert.StartsWith("HTTP/1.1 413 ", await PostEarlyAnsweredAsync("/api/topics/limits", Token, tooLarge, chunked: false), StringComparison.Ordinal);
            Assert.StartsWith("HTTP/1.1 413 ", await PostEarlyAnsweredAsync("/api/topics/limits", Token, tooLarge, chunked: true), StringComparison.Ordinal);
            // The limit itself is taken.
            var (status, _) = await PostAsync("/api/topics/limits", new string('x', 1024 * 1024));
            Assert.Equal(HttpStatusCode.Accepted, status);
            Assert.Equal(1024 * 1024, (await peer.ReceiveAsync()).Length);
        }
    }

    [Fact]
    public async Task PublishApi_ChecksTheTokenAndTheTargetBeforeTheBody()
    {
        byte[] body = new byte[2 * 1024 * 1024];
        Assert.StartsWith("HTTP/1.1 401 ", await PostEarlyAnsweredAsync("/api/topics/x", "wrong", body, chunked: false), StringComparison.Ordinal);
        string answer = await PostEarlyAnsweredAsync("/api/topics/%01", Token, body, chunked: false);
        Assert.StartsWith("HTTP/1.1 400 ", answer, StringComparison.Ordinal);
        Assert.Contains("a topic must be", answer, StringComparison.Ordinal);
    }

    /// <summary>
    /// A POST whose answer may come before its body is all sent (the server refuses it from its
    /// head, or stops reading at the limit) and which the server then closes: written by hand, the
    /// body sent while the answer is read, so the answer is seen whatever becomes of the rest of the
    /// body. Returns the response's head and as much of its body as came.
    /// </summary>
    private async Task<string> PostEarlyAnsweredAsync(string path, string token, byte[] body, bool chunked)
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        await socket.ConnectAsync(_host.Http.Host, _host.Http.Port);
        string head = $"POST {path} HTTP/1.1\r\nHost: {_host.Http.Authority}\r\nAuthorization: Bearer {token}\r\n" +
            "Content-Type: application/octet-stream\r\n" +
            (chunked ? "Transfer-Encoding: chunked\r\n\r\n" + body.Length.ToString("x", System.Globalization.CultureInfo.InvariantCulture) + "\r\n" : $"Content-Length: {body.Length}\r\n\r\n");
        byte[] request = [.. System.Text.Encoding.ASCII.GetBytes(head), .. body, .. chunked ? "\r\n0\r\n\r\n"u8.ToArray() : []];
        var sending = socket.SendAsync(request).ContinueWith(_ => { }, TaskScheduler.Default); // a reset mid-body is expected
        var answer = new List<byte>();
        byte[] buffer = new byte[4096];
        bool Complete()
        {
            string text = System.Text.Encoding.ASCII.GetString([.. answer]);
            int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            var length = System.Text.RegularExpressions.Regex.Match(text, @"(?i)content-length: *(\d+)");
            return end >= 0 && length.Success && answer.Count >= end + 4 + int.Parse(length.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        }
        try
        {
            int read;
            while (!Complete() && (read = await socket.ReceiveAsync(buffer).WaitAsync(Peer.Patience)) > 0)
                answer.AddRange(buffer.AsSpan(0, read));
        }
        catch (System.Net.Sockets.SocketException)
        {
            // Reset after the answer: what came is the answer.
        }
        await sending;
        return System.Text.Encoding.UTF8.GetString([.. answer]);
    }

    [Fact]
    public async Task PublishApi_WithoutTheToken_Is401()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync("/api/topics/news", "x", token: null)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync("/api/topics/news", "x", token: "wrong")).Status);
    }

    [Fact]
    public async Task Chat_MembersSeeJoinsAndEachOthersMessages()
    {
        using var ann = await Peer.ConnectAsync(new Uri(Ws, "/chat/lobby?name=ann"));
        Assert.Equal("""{"type":"join","name":"ann"}""", await ann.ReceiveAsync());
        using var ben = await Peer.ConnectAsync(new Uri(Ws, "/chat/lobby?name=ben"));
        Assert.Equal("""{"type":"join","name":"ben"}""", await ben.ReceiveAsync());
        Assert.Equal("""{"type":"join","name":"ben"}""", await ann.ReceiveAsync());

        await ann.SendAsync("""{"type":"say","text":"hello ben"}""");
        Assert.Equal("""{"type":"say","name":"ann","text":"hello ben"}""", await ben.ReceiveAsync());
        Assert.Equal("""{"type":"say","name":"ann","text":"hello ben"}""", await ann.ReceiveAsync());

        await ben.CloseAsync();
        Assert.Equal("""{"type":"leave","name":"ben"}""", await ann.ReceiveAsync());
    }

    [Fact]
    public async Task ChatPage_IsServedAtTheRoot_WithTheWebSocketAddress()
    {
        // Kestrel serves the WebSockets too: the page connects to its own origin, and the one port serves the page as well.
        string page = await _http.GetStringAsync(_host.Http);
        Assert.Contains($"content=\"ws://127.0.0.1:{_host.Http.Port}\"", page);
        Assert.Contains($"content=\"ws://127.0.0.1:{_host.EndPoint.Port}\"", await _http.GetStringAsync(new Uri($"http://{_host.EndPoint}/")));
        Assert.Contains("/chat/", page);
        Assert.StartsWith("ok Up", await _http.GetStringAsync(new Uri(_host.Http, "/health")));
        Assert.Equal("Healthy", await _http.GetStringAsync(new Uri(_host.Http, "/health/live")));
        Assert.Equal("Healthy", await _http.GetStringAsync(new Uri(_host.Http, "/health/ready")));
    }

    [Fact]
    public async Task Metrics_CountTheNodesConnectionsAndMembers()
    {
        var (peer, _) = await Peer.JoinAsync(Ws);
        using (peer)
        {
            string metrics = await _admin.GetStringAsync(new Uri(_host.Http, "/metrics"));
            Assert.Equal(1, MetricsText.Value(metrics, "cosocket_connections", ("listener", $"ws://{_host.EndPoint}")));
            Assert.Equal(1, MetricsText.Value(metrics, "cosocket_cluster_members", Node, ("status", "up")));
            Assert.Equal(0, MetricsText.Value(metrics, "cosocket_cluster_unreachable", Node));
            Assert.True(MetricsText.Value(metrics, "cosocket_handshakes_total", ("outcome", "upgraded")) >= 1);
            Assert.True(MetricsText.Value(metrics, "cosocket_messages_sent_total") >= 1); // the welcome
        }
    }
}
