using System.Net;

namespace Cosocket.Host.Tests;

/// <summary>A subscription on one node reaches the others by gossip: a publish from another node
/// inside that window says so, and one after it is delivered.</summary>
[Collection(ClusterProcessCollection.Name)]
public class TopicGossipTests
{
    [Fact]
    public async Task PublishFromAnotherNode_RightAfterASubscription_SaysNoneKnownYet_ThenIsDelivered()
    {
        await using var cluster = await ClusterNodes.StartAsync(2);
        var (n1, n2) = (cluster.Nodes[0], cluster.Nodes[1]);

        // No node has a subscriber: with two nodes, node 1 cannot know that for certain.
        var (status, body) = await ClusterNodes.PostAsync(n1, "/api/topics/nowhere", "x");
        Assert.Equal((HttpStatusCode.NotFound, "no subscribers known on this node yet"), (status, body!["error"]!.GetValue<string>()));

        var (subscriber, _) = await Peer.JoinAsync(n2.WsUri, null, "fresh");
        using (subscriber)
        {
            // On its own node the subscription is known as soon as the welcome has come.
            (status, _) = await ClusterNodes.PostAsync(n2, "/api/topics/fresh", "local");
            Assert.Equal(HttpStatusCode.Accepted, status);
            Assert.Equal("local", await subscriber.ReceiveAsync());

            // From node 1: refused with the gossip's wording until the gossip has come, then delivered.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (true)
            {
                (status, body) = await ClusterNodes.PostAsync(n1, "/api/topics/fresh", "remote");
                if (status == HttpStatusCode.Accepted)
                    break;
                Assert.Equal((HttpStatusCode.NotFound, "no subscribers known on this node yet"), (status, body!["error"]!.GetValue<string>()));
                Assert.True(DateTime.UtcNow < deadline, "node 1 never learned of node 2's subscription");
            }
            Assert.Equal("remote", await subscriber.ReceiveAsync());
        }
    }
}
