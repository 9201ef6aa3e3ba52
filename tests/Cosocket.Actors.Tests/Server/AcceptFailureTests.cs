using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Cosocket.Actors.Server;

namespace Cosocket.Actors.Tests.Server;

/// <summary>
/// Accepting fails (as it does when the process is out of file descriptors): the listener waits
/// longer after each failure instead of spinning, warns once instead of at every failure, reports
/// the failure as its health, and is healthy again once an accept succeeds.
/// </summary>
public class AcceptFailureTests : TestKit
{
    [Fact]
    public async Task FailedAccepts_BackOff_WarnOnce_AndHealthSaysSoUntilOneSucceeds()
    {
        using var listening = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listening.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listening.Listen();
        var calls = new List<long>();
        var next = new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<Socket> Accept()
        {
            lock (calls)
            {
                calls.Add(Stopwatch.GetTimestamp());
                if (calls.Count <= 5)
                {
                    return Task.FromException<Socket>(new SocketException((int)SocketError.TooManyOpenSockets));
                }
                // The sixth waits for the test's connection; later ones wait for good.
                return calls.Count == 6 ? next.Task : new TaskCompletionSource<Socket>().Task;
            }
        }
        var registry = Sys.ActorOf(ConnectionRegistry.Props());
        var props = WebSocketListener.Props(listening, new WebSocketRoutes(), new ServerOptions(), registry, Accept);

        IActorRef listener = null!;
        await EventFilter.Warning(contains: "accept failed").ExpectAsync(1, async () =>
        {
            listener = Sys.ActorOf(props);
            await AwaitConditionAsync(() => Task.FromResult(CallCount() == 6), TimeSpan.FromSeconds(10));
        });

        // Five failures: waits of 10, 20, 40, 80 and 160 ms between the attempts.
        double waited;
        lock (calls)
            waited = Stopwatch.GetElapsedTime(calls[0], calls[5]).TotalMilliseconds;
        Assert.True(waited >= 250, $"six attempts took only {waited} ms: the listener did not back off");
        var health = await listener.Ask<WebSocketListener.Health>(new WebSocketListener.GetHealth(), TimeSpan.FromSeconds(5));
        Assert.Equal(0, health.Connections);
        Assert.Equal(new SocketException((int)SocketError.TooManyOpenSockets).Message, health.AcceptError);

        // An accept succeeds: a connection, and healthy again.
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listening.LocalEndPoint!);
        next.SetResult(await listening.AcceptAsync());
        await AwaitAssertAsync(async () =>
            Assert.Equal(new WebSocketListener.Health(1, null), await listener.Ask<WebSocketListener.Health>(new WebSocketListener.GetHealth(), TimeSpan.FromSeconds(5))),
            TimeSpan.FromSeconds(10));

        int CallCount()
        {
            lock (calls)
                return calls.Count;
        }
    }
}
