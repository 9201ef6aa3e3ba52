using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using Akka.Util;
using Cosocket.Actors.Cluster;

namespace Cosocket.Actors.Tests.Cluster;

/// <summary>A node's user directory: registrations go to the sessions, and are repeated, until
/// confirmed, when a node leaves the cluster (its sessions are rebuilt elsewhere).</summary>
public class UserDirectoryTests() : TestKit(ConfigurationFactory.ParseString("akka.actor.provider = cluster\nakka.remote.dot-netty.tcp.port = 0"))
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    /// <summary>The event of another node's removal (Akka makes members internally; reflection stands in).</summary>
    private static ClusterEvent.MemberRemoved NodeRemoved()
    {
        var create = typeof(Member).GetMethod("Create", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static,
            [typeof(UniqueAddress), typeof(int), typeof(MemberStatus), typeof(ImmutableHashSet<string>), typeof(AppVersion)])!;
        var member = (Member)create.Invoke(null, [new UniqueAddress(new Address("akka.tcp", "cosocket", "10.0.0.3", 4053), 3), 3,
            MemberStatus.Removed, ImmutableHashSet<string>.Empty, AppVersion.Zero])!;
        return new ClusterEvent.MemberRemoved(member, MemberStatus.Down);
    }

    [Fact]
    public async Task Register_GoesToTheSessions_AndTheAnswerToTheAsker()
    {
        var sessions = CreateTestProbe();
        var directory = Sys.ActorOf(UserDirectory.Props(sessions.Ref));
        var connection = CreateTestProbe();
        directory.Tell(new RegisterConnection("ann", connection.Ref));
        await sessions.ExpectMsgAsync(new RegisterConnection("ann", connection.Ref), Wait);
        sessions.Reply(new Registered("ann", connection.Ref, 1));
        Assert.Equal(new Registered("ann", connection.Ref, 1), await ExpectMsgAsync<Registered>(Wait));
    }

    [Fact]
    public async Task NodeRemoved_RegistersEveryConnectionAgain_UntilEachIsConfirmed()
    {
        var sessions = CreateTestProbe();
        var directory = Sys.ActorOf(UserDirectory.Props(sessions.Ref));
        var phone = CreateTestProbe();
        var laptop = CreateTestProbe();
        directory.Tell(new RegisterConnection("ann", phone.Ref));
        directory.Tell(new RegisterConnection("ann", laptop.Ref));
        await sessions.ExpectMsgAsync<RegisterConnection>(Wait);
        await sessions.ExpectMsgAsync<RegisterConnection>(Wait);

        directory.Tell(NodeRemoved());
        var again = new[] { await sessions.ExpectMsgAsync<RegisterConnection>(Wait), await sessions.ExpectMsgAsync<RegisterConnection>(Wait) };
        Assert.Equal(new HashSet<IActorRef> { phone.Ref, laptop.Ref }, again.Select(m => m.Connection).ToHashSet());

        // A registration sent while shards move can be lost: the unconfirmed one comes again.
        sessions.Reply(new Registered("ann", phone.Ref, 1));
        await sessions.FishForMessageAsync(m => m is RegisterConnection r && r.Connection.Equals(laptop.Ref), Wait);
        sessions.Reply(new Registered("ann", laptop.Ref, 2));
        // Both confirmed: the repeats stop (one round may have been on its way already).
        int repeats = 0;
        while (await sessions.ReceiveOneAsync(TimeSpan.FromMilliseconds(1500)) is RegisterConnection)
            repeats++;
        Assert.True(repeats <= 2, $"{repeats} registrations after both were confirmed");
    }
}
