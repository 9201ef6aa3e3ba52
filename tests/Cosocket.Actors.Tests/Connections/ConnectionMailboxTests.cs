using Akka.Actor;
using Akka.Dispatch;
using Akka.TestKit.Xunit2;
using Cosocket.Actors.Sessions;

namespace Cosocket.Actors.Tests.Connections;

public class ConnectionMailboxTests : TestKit
{
    [Fact]
    public void Queue_IsFifo_AndCountsWhatWaits()
    {
        var queue = new ConnectionMessageQueue();
        Assert.False(queue.HasMessages);
        for (int i = 0; i < 1000; i++)
            queue.Enqueue(ActorRefs.Nobody, new Envelope(i, ActorRefs.NoSender));
        Assert.Equal(1000, queue.Count);
        for (int i = 0; i < 1000; i++)
        {
            Assert.True(queue.TryDequeue(out var envelope));
            Assert.Equal(i, envelope.Message);
        }
        Assert.False(queue.HasMessages);
        Assert.False(queue.TryDequeue(out _));
    }

    [Fact]
    public void CleanUp_HandsWhatIsLeftToTheDeadLetters()
    {
        var queue = new ConnectionMessageQueue();
        queue.Enqueue(ActorRefs.Nobody, new Envelope("a", ActorRefs.NoSender));
        queue.Enqueue(ActorRefs.Nobody, new Envelope("b", ActorRefs.NoSender));
        var deadLetters = new ConnectionMessageQueue();
        queue.CleanUp(ActorRefs.Nobody, deadLetters);
        Assert.Equal(0, queue.Count);
        Assert.Equal(2, deadLetters.Count);
    }

    [Fact]
    public async Task ActorOnTheConnectionDispatcher_GetsEachSendersMessagesInOrder()
    {
        ConnectionDispatcher.Register(Sys);
        var probe = CreateTestProbe();
        var actor = Sys.ActorOf(Props.Create(() => new Forwarder(probe.Ref)).WithDispatcher(ConnectionDispatcher.Id));
        var senders = Enumerable.Range(0, 4).Select(s => Task.Run(() =>
        {
            for (int i = 0; i < 2_000; i++)
                actor.Tell((s, i));
        })).ToArray();
        await Task.WhenAll(senders);
        var next = new int[4];
        for (int n = 0; n < 8_000; n++)
        {
            var (sender, i) = probe.ExpectMsg<(int, int)>();
            Assert.Equal(next[sender]++, i);
        }
    }

    private sealed class Forwarder(IActorRef to) : UntypedActor
    {
        protected override void OnReceive(object message) => to.Tell(message);
    }
}
