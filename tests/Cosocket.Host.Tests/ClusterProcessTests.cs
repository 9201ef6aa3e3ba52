using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Cosocket.Host.Tests;

/// <summary>
/// Real <c>cosocket</c> processes forming an Akka.NET cluster on 127.0.0.1, configured through the
/// environment exactly as <c>deploy/compose.yaml</c> configures its containers.
/// </summary>
internal sealed class ClusterNodes : IAsyncDisposable
{
    public const string Token = "cluster-test-token";

    private readonly List<PeerProcess> _processes = [];

    private ClusterNodes(IReadOnlyList<Node> nodes) => Nodes = nodes;

    /// <summary>A node: its one port (WebSockets, the page, the API) and its cluster port.</summary>
    public sealed record Node(int Port, int Cluster)
    {
        public int Ws => Port;
        public int Http => Port;
        public Uri WsUri => new($"ws://127.0.0.1:{Port}");
        public Uri HttpUri => new($"http://127.0.0.1:{Port}");
    }

    public IReadOnlyList<Node> Nodes { get; }

    /// <summary>The environment of one node: the same variables deploy/compose.yaml sets.</summary>
    public static Dictionary<string, string> Environment(Node node, Node seed) => new()
    {
        ["COSOCKET__LISTEN"] = $"127.0.0.1:{node.Port}",
        ["COSOCKET__HTTP__TOKEN"] = Token,
        ["COSOCKET__AUTH__JWT__SECRET"] = TestTokens.Secret,
        ["COSOCKET__CLUSTER__HOSTNAME"] = "127.0.0.1",
        ["COSOCKET__CLUSTER__PUBLICHOSTNAME"] = "127.0.0.1",
        ["COSOCKET__CLUSTER__PORT"] = node.Cluster.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["COSOCKET__CLUSTER__SEEDNODES"] = $"127.0.0.1:{seed.Cluster}",
    };

    /// <summary>Starts <paramref name="count"/> nodes, the first the seed, and waits until all are Up.</summary>
    public static async Task<ClusterNodes> StartAsync(int count)
    {
        var nodes = Enumerable.Range(0, count).Select(_ => new Node(FreePort(), FreePort())).ToArray();
        var cluster = new ClusterNodes(nodes);
        foreach (var node in nodes)
        {
            cluster._processes.Add(PeerProcess.Start(PeerProcess.CosocketExecutable, ["serve"], Path.GetDirectoryName(PeerProcess.CosocketExecutable),
                watchFor: "cosocket HTTP on", environment: Environment(node, nodes[0])));
        }
        try
        {
            foreach (var process in cluster._processes)
                await process.WaitForWatchedAsync(Peer.Patience);
            await cluster.WaitForMembersAsync(nodes[0], count);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync(); // no node outlives a cluster that did not form
            throw;
        }
    }

    /// <summary>Waits (a long poll on the node, which watches cluster events) until exactly
    /// <paramref name="count"/> members are Up and none is unreachable.</summary>
    public async Task WaitForMembersAsync(Node node, int count)
    {
        using var http = TestTokens.AdminClient(TimeSpan.FromSeconds(70));
        using var response = await http.GetAsync(new Uri(node.HttpUri, $"/api/cluster/members?count={count}&timeout=60"));
        Assert.True(response.IsSuccessStatusCode, $"{count} members were not Up: {await response.Content.ReadAsStringAsync()}");
    }

    public void Kill(int index) => _processes[index].KillHard();

    public static async Task<(HttpStatusCode Status, JsonNode? Body)> PostAsync(Node node, string path, string body)
    {
        using var http = new HttpClient { Timeout = Peer.Patience };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(node.HttpUri, path)) { Content = new StringContent(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>A port nothing listens on now, on 127.0.0.1.</summary>
    public static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
            process.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>The tests that start clusters of real processes run one at a time: on two cores, two
/// clusters side by side would starve each other's failure detectors.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterProcessCollection
{
    public const string Name = "cluster processes";
}

/// <summary>Issue 6's acceptance: three processes, addressing across them, and a node killed.</summary>
[Collection(ClusterProcessCollection.Name)]
public class ClusterProcessTests
{
    /// <summary>
    /// Gossip spreads topic subscriptions and shard moves take a moment to settle, and neither is an
    /// event a client can watch: the message is sent again, under a new payload each time, until
    /// <paramref name="done"/> says it arrived everywhere it must, within a deadline.
    /// </summary>
    private static Task UntilAsync(Func<int, Task<bool>> attempt, string what) => UntilAsync(attempt, () => what);

    private static async Task UntilAsync(Func<int, Task<bool>> attempt, Func<string> what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        for (int i = 0; ; i++)
        {
            if (await attempt(i))
                return;
            Assert.True(DateTime.UtcNow < deadline, $"{what()} did not happen within 30 s");
        }
    }

    /// <summary>Reads what <paramref name="peer"/> received up to and including <paramref name="fence"/>;
    /// every payload must be there at most once.</summary>
    private static async Task<List<string>> ReadUntilAsync(Peer peer, string fence)
    {
        var seen = new List<string>();
        string message;
        do
        {
            message = await peer.ReceiveAsync();
            Assert.DoesNotContain(message, seen); // nothing delivered twice
            seen.Add(message);
        }
        while (message != fence);
        return seen;
    }

    [Fact]
    public async Task ThreeNodes_AddressConnectionsUsersAndTopics_AndSurviveANodeKilled()
    {
        await using var cluster = await ClusterNodes.StartAsync(3);
        var (n1, n2, n3) = (cluster.Nodes[0], cluster.Nodes[1], cluster.Nodes[2]);
        var (a, aId) = await Peer.JoinAsync(n1.WsUri, "dora", "news");
        var (b, _) = await Peer.JoinAsync(n2.WsUri, "dora", "news");
        var (c, _) = await Peer.JoinAsync(n3.WsUri, "dora", "news");
        using (a)
        using (b)
        using (c)
        {
            // A connection by its id, from another node.
            var (status, body) = await ClusterNodes.PostAsync(n3, $"/api/connections/{aId}", "to a, from node 3");
            Assert.Equal((HttpStatusCode.OK, 1), (status, body!["delivered"]!.GetValue<int>()));
            Assert.Equal("to a, from node 3", await a.ReceiveAsync());

            // Who a is, asked on another node: the user and the claims of its token.
            using (var who = TestTokens.AdminClient(Peer.Patience))
            {
                var identity = JsonNode.Parse(await who.GetStringAsync(new Uri(n3.HttpUri, $"/api/connections/{aId}")))!;
                Assert.Equal("dora", identity["user"]!.GetValue<string>());
                Assert.Contains(identity["claims"]!.AsArray(), c => c!["type"]!.GetValue<string>() == "cosocket:publish");
            }

            // The same from a client: b (node 2) sends to a (node 1) by id, and to dora, over its own connection.
            await b.SendAsync($$"""{"op":"send","connection":"{{aId}}","text":"to a, from b"}""");
            Assert.Equal("to a, from b", await a.ReceiveAsync());
            Assert.Equal(1, JsonNode.Parse(await b.ReceiveAsync())!["delivered"]!.GetValue<int>());
            await b.SendAsync("""{"op":"user","user":"dora","text":"dora, from b"}""");
            foreach (var peer in new[] { a, c })
                Assert.Equal(["dora, from b"], await ReadUntilAsync(peer, "dora, from b"));
            // b is dora too: it gets the message and its command's result, in either order.
            var own = new[] { await b.ReceiveAsync(), await b.ReceiveAsync() };
            Assert.Contains("dora, from b", own);
            Assert.Contains(own, m => m.Contains("\"delivered\":3", StringComparison.Ordinal));

            // A user with a connection on each node: each gets it once.
            (status, body) = await ClusterNodes.PostAsync(n2, "/api/users/dora", "to dora");
            Assert.Equal((HttpStatusCode.OK, 3), (status, body!["delivered"]!.GetValue<int>()));
            foreach (var peer in new[] { a, b, c })
                Assert.Equal(["to dora"], await ReadUntilAsync(peer, "to dora"));

            // A topic with a subscriber on each node, published from node 2 once its gossip knows them all.
            var fresh = new HashSet<Peer> { a, b, c };
            await UntilAsync(async i =>
            {
                await ClusterNodes.PostAsync(n2, "/api/topics/news", $"probe {i}");
                foreach (var peer in fresh.ToArray())
                {
                    if (await peer.TryReceiveAsync(TimeSpan.FromMilliseconds(300)) is not null)
                        fresh.Remove(peer);
                }
                return fresh.Count == 0;
            }, "a publish on node 2 reaching the subscribers of all three nodes");
            (status, _) = await ClusterNodes.PostAsync(n2, "/api/topics/news", "news 1");
            Assert.Equal(HttpStatusCode.Accepted, status);
            foreach (var peer in new[] { a, b, c })
                Assert.Single(await ReadUntilAsync(peer, "news 1"), m => m == "news 1");

            // Node 3 dies. Its client sees the connection end; the other two converge and go on.
            cluster.Kill(2);
            Assert.Null(await c.ReceiveOrEndAsync());
            await cluster.WaitForMembersAsync(n1, 2);

            int last = -1;
            string lastAnswer = "";
            await UntilAsync(async i =>
            {
                last = i;
                var (sent, result) = await ClusterNodes.PostAsync(n1, "/api/users/dora", $"after {i}");
                lastAnswer = $"{(int)sent} {result?.ToJsonString()}";
                return sent == HttpStatusCode.OK && result!["delivered"]!.GetValue<int>() == 2;
            }, () => $"dora's session answering with her two surviving connections (last answer: {lastAnswer})");
            foreach (var peer in new[] { a, b })
                Assert.Contains($"after {last}", await ReadUntilAsync(peer, $"after {last}"));

            (status, _) = await ClusterNodes.PostAsync(n1, "/api/topics/news", "news 2");
            Assert.Equal(HttpStatusCode.Accepted, status);
            foreach (var peer in new[] { a, b })
                Assert.Single(await ReadUntilAsync(peer, "news 2"), m => m == "news 2");
        }
    }

    [Fact]
    public void Dockerfile_RestoresEveryProjectTheHostBuildsFrom_BeforeCopyingTheSources()
    {
        string dockerfile = File.ReadAllText(Path.Combine(PeerProcess.RepositoryRoot, "deploy", "Dockerfile"));
        int sources = dockerfile.IndexOf("COPY src/ src/", StringComparison.Ordinal);
        foreach (string project in Directory.EnumerateFiles(Path.Combine(PeerProcess.RepositoryRoot, "src"), "*.csproj", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(PeerProcess.RepositoryRoot, project).Replace('\\', '/');
            int copied = dockerfile.IndexOf($"COPY {relative} ", StringComparison.Ordinal);
            Assert.True(copied >= 0 && copied < sources, $"deploy/Dockerfile does not copy {relative} for the restore layer");
        }
        Assert.Contains("HEALTHCHECK", dockerfile, StringComparison.Ordinal);
    }

    [Fact]
    public void ComposeFile_SetsTheEnvironmentThisTestUses()
    {
        string compose = File.ReadAllText(Path.Combine(PeerProcess.RepositoryRoot, "deploy", "compose.yaml"));
        var node = new ClusterNodes.Node(1, 3);
        foreach (string name in ClusterNodes.Environment(node, node).Keys)
            Assert.Contains(name + ":", compose);
    }
}
