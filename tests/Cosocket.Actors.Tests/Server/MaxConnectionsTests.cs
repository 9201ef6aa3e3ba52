using Akka.Actor;
using Akka.TestKit.Xunit2;
using Cosocket.Actors.Server;

namespace Cosocket.Actors.Tests.Server;

/// <summary><c>max_connections</c>: one connection over it is refused with 503 before any upgrade,
/// and a place that frees up is taken again.</summary>
public class MaxConnectionsTests : TestKit
{
    [Fact]
    public async Task ConnectionOverTheLimit_Gets503BeforeTheUpgrade_AndAFreedPlaceIsTakenAgain()
    {
        var harness = new ServerHarness(Sys, async (request, _) =>
        {
            var (wb, _) = await WebSocketServer.NewAsync(request);
            while (!(await wb!.ReceiveMessageAsync()).IsError)
            {
            }
        }, new ServerOptions { MaxConnections = 2 });

        var first = await UpgradedAsync(harness);
        await using var second = await UpgradedAsync(harness);

        await using (var third = await RawClient.ConnectAsync(harness.EndPoint))
        {
            await third.WriteAsync(RawClient.Request());
            string refusal = System.Text.Encoding.UTF8.GetString(await third.ReadToEndAsync());
            Assert.StartsWith("HTTP/1.1 503 Service Unavailable\r\n", refusal, StringComparison.Ordinal);
            Assert.EndsWith("\r\n\r\ntoo many connections", refusal, StringComparison.Ordinal);
        }

        // The first leaves; once the listener has seen it go, a new connection is upgraded.
        await first.DisposeAsync();
        await AwaitAssertAsync(async () =>
        {
            var health = await harness.Binding.Listener.Ask<WebSocketListener.Health>(new WebSocketListener.GetHealth(), TimeSpan.FromSeconds(5));
            Assert.Equal(new WebSocketListener.Health(1, null), health);
        }, TimeSpan.FromSeconds(10));
        await using var fourth = await UpgradedAsync(harness);
    }

    private static async Task<RawClient> UpgradedAsync(ServerHarness harness)
    {
        var client = await RawClient.ConnectAsync(harness.EndPoint);
        await client.WriteAsync(RawClient.Request());
        Assert.StartsWith("HTTP/1.1 101 ", await client.ReadHeadAsync());
        return client;
    }
}
