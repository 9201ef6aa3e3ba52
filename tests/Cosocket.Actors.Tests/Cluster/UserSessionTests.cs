using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.TestKit.Xunit2;
using Cosocket.Actors.Cluster;
using Cosocket.Actors.Connections;

namespace Cosocket.Actors.Tests.Cluster;

/// <summary>The user-session entity on its own: probes stand in for connection actors.</summary>
public class UserSessionTests : TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task SendToUser_ReachesEveryRegisteredConnectionOnce()
    {
        var session = Sys.ActorOf(Props.Create(() => new UserSession()));
        var phone = CreateTestProbe();
        var laptop = CreateTestProbe();
        session.Tell(new RegisterConnection("alice", phone.Ref));
        Assert.Equal(new Registered("alice", phone.Ref, 1), await ExpectMsgAsync<Registered>(Wait));
        session.Tell(new RegisterConnection("alice", laptop.Ref));
        session.Tell(new RegisterConnection("alice", laptop.Ref)); // again: still one
        Assert.Equal(2, (await ExpectMsgAsync<Registered>(Wait)).Connections);
        Assert.Equal(2, (await ExpectMsgAsync<Registered>(Wait)).Connections);

        var hello = Deliver.Text("hello");
        session.Tell(new SendToUser("alice", hello));
        Assert.Equal(new DeliveryResult(2, null), await ExpectMsgAsync<DeliveryResult>(Wait));
        Assert.Same(hello, await phone.ExpectMsgAsync<Deliver>(Wait));
        Assert.Same(hello, await laptop.ExpectMsgAsync<Deliver>(Wait));
        await laptop.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task ConnectionThatEnds_IsDropped_AndTheLastOnePassivatesTheSession()
    {
        var shard = CreateTestProbe(); // the session's parent, as a shard would be
        var session = shard.ChildActorOf(Props.Create(() => new UserSession()));
        var phone = CreateTestProbe();
        var laptop = CreateTestProbe();
        session.Tell(new RegisterConnection("bob", phone.Ref), TestActor);
        session.Tell(new RegisterConnection("bob", laptop.Ref), TestActor);
        await ExpectMsgAsync<Registered>(Wait);
        await ExpectMsgAsync<Registered>(Wait);

        Sys.Stop(laptop.Ref);
        await AwaitAssertAsync(async () =>
        {
            session.Tell(new SendToUser("bob", Deliver.Text("x")), TestActor);
            Assert.Equal(1, (await ExpectMsgAsync<DeliveryResult>(Wait)).Delivered);
        }, Wait);

        Sys.Stop(phone.Ref);
        await shard.FishForMessageAsync(m => m is Passivate, Wait);
    }

    [Fact]
    public async Task RegistrationArrivingWhilePassivating_IsHandedToTheNextIncarnation()
    {
        var shard = CreateTestProbe(); // the session's parent, as a shard would be
        var region = CreateTestProbe();
        var session = shard.ChildActorOf(Props.Create(() => new UserSession(region.Ref)));
        var laptop = CreateTestProbe();

        // No connection: the session asks to passivate...
        session.Tell(new SendToUser("carol", Deliver.Text("x")), TestActor);
        Assert.Equal(DeliveryResult.Failure(DeliveryResult.NoSuchUser), await ExpectMsgAsync<DeliveryResult>(Wait));
        var passivate = await shard.ExpectMsgAsync<Passivate>(Wait);
        // ...a registration reaches it before the shard's stop, and is confirmed...
        session.Tell(new RegisterConnection("carol", laptop.Ref), TestActor);
        Assert.Equal(new Registered("carol", laptop.Ref, 1), await ExpectMsgAsync<Registered>(Wait));
        Watch(session);
        session.Tell(passivate.StopMessage, shard.Ref);

        // ...so it goes on to the next incarnation rather than dying with this one.
        await ExpectTerminatedAsync(session, Wait);
        Assert.Equal(new RegisterConnection("carol", laptop.Ref), await region.ExpectMsgAsync<RegisterConnection>(Wait));
    }

    [Fact]
    public async Task SendToAUserWithNoConnection_SaysNoSuchUser()
    {
        var session = Sys.ActorOf(Props.Create(() => new UserSession()));
        session.Tell(new SendToUser("nobody", Deliver.Text("x")));
        Assert.Equal(DeliveryResult.Failure(DeliveryResult.NoSuchUser), await ExpectMsgAsync<DeliveryResult>(Wait));
    }

    [Fact]
    public void MessageExtractor_RoutesByUser()
    {
        var extractor = new UserSession.MessageExtractor(100);
        Assert.Equal("alice", extractor.EntityId(new SendToUser("alice", Deliver.Text(""))));
        Assert.Equal("alice", extractor.EntityId(new RegisterConnection("alice", ActorRefs.Nobody)));
        Assert.Null(extractor.EntityId("something else"));
    }
}
