using System.Text.Json.Nodes;

namespace Cosocket.Host.Tests;

/// <summary>
/// Per-sender FIFO: what one sender sends reaches each receiver in the order sent, through a topic
/// and to a user, on one node and across two, while the receivers do not read and their messages
/// back up on the server.
/// </summary>
[Collection(ClusterProcessCollection.Name)]
public class OrderTests
{
    private const int Count = 2000;

    // About 300 bytes a message: 600 KB in all waits for each receiver, far more than the outgoing
    // queue held before senders raced for room in it, and less than the outgoing budget (1 MiB).
    private static readonly string Padding = new('.', 280);

    [Fact]
    public async Task OneSendersMessages_ThroughATopicAndToAUser_ArriveInOrderOnBothNodes()
    {
        await using var cluster = await ClusterNodes.StartAsync(2);
        var (n1, n2) = (cluster.Nodes[0], cluster.Nodes[1]);

        // Chat: a says, b (same node) and c (the other node) listen without reading.
        using var a = await Peer.ConnectAsync(new Uri(n1.WsUri, "/chat/order?name=a"));
        using var b = await RawWebSocket.ConnectAsync(n1.Ws, "/chat/order?name=b");
        using var c = await RawWebSocket.ConnectAsync(n2.Ws, "/chat/order?name=c");
        await UntilBothHearAsync(b, c, i => a.SendAsync(Say($"probe {i}")));

        for (int i = 0; i < Count; i++)
            await a.SendAsync(Say($"#{i} {Padding}"));
        // a is a member too: its own last message back means every one was published.
        while (!(await a.ReceiveAsync()).Contains($"#{Count - 1} ", StringComparison.Ordinal))
        {
        }
        Assert.Equal(Enumerable.Range(0, Count), await NumberedAsync(b));
        Assert.Equal(Enumerable.Range(0, Count), await NumberedAsync(c));

        // A user with a connection on each node, sent to by one connection of /connect.
        using var u1 = await RawWebSocket.ConnectAsync(n1.Ws, "/connect?access_token=" + TestTokens.Full("ordered"));
        using var u2 = await RawWebSocket.ConnectAsync(n2.Ws, "/connect?access_token=" + TestTokens.Full("ordered"));
        var (sender, _) = await Peer.JoinAsync(n1.WsUri);
        using (sender)
        {
            await UntilBothHearAsync(u1, u2, async i =>
            {
                await sender.SendAsync($$"""{"op":"user","user":"ordered","text":"probe {{i}}"}""");
                await sender.ReceiveAsync();
            });
            for (int i = 0; i < Count; i++)
                await sender.SendAsync($$"""{"op":"user","user":"ordered","text":"#{{i}} {{Padding}}"}""");
            for (int i = 0; i < Count; i++)
                Assert.Equal(2, JsonNode.Parse(await sender.ReceiveAsync())!["delivered"]!.GetValue<int>());
        }
        Assert.Equal(Enumerable.Range(0, Count), await NumberedAsync(u1));
        Assert.Equal(Enumerable.Range(0, Count), await NumberedAsync(u2));
    }

    private static string Say(string text) => new JsonObject { ["type"] = "say", ["text"] = text }.ToJsonString();

    /// <summary>Probes until both receivers hear one (subscriptions and sessions reach the other node
    /// by gossip, in about a second), within a deadline.</summary>
    private static async Task UntilBothHearAsync(RawWebSocket first, RawWebSocket second, Func<int, Task> probe)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        bool firstHeard = false, secondHeard = false;
        for (int i = 0; !(firstHeard && secondHeard); i++)
        {
            Assert.True(DateTime.UtcNow < deadline, "the probes did not reach both receivers within 30 s");
            await probe(i);
            firstHeard |= await HeardProbeAsync(first);
            secondHeard |= await HeardProbeAsync(second);
        }
    }

    private static async Task<bool> HeardProbeAsync(RawWebSocket receiver)
    {
        bool heard = false;
        while (await receiver.TryReadFrameAsync(TimeSpan.FromMilliseconds(200)) is { } frame)
            heard |= frame.Data.Contains("probe", StringComparison.Ordinal);
        return heard;
    }

    /// <summary>The numbers of the numbered messages <paramref name="receiver"/> gets, in the order it
    /// gets them, up to the last one; probes and chat events are skipped.</summary>
    private static async Task<List<int>> NumberedAsync(RawWebSocket receiver)
    {
        var numbers = new List<int>();
        while (numbers.Count == 0 || numbers[^1] != Count - 1)
        {
            var (opcode, data) = await receiver.ReadFrameAsync();
            Assert.Equal(0x1, opcode);
            int hash = data.IndexOf('#', StringComparison.Ordinal);
            if (hash < 0)
                continue;
            int end = data.IndexOf(' ', hash);
            numbers.Add(int.Parse(data[(hash + 1)..end], System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(numbers.Count <= Count, "more numbered messages than were sent");
        }
        return numbers;
    }
}
