using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using Cosocket.Actors.Cluster;
using Cosocket.Actors.Connections;

namespace Cosocket.Actors.Tests.Cluster;

/// <summary>Every message that crosses nodes goes through Cosocket's own serializer, and comes back equal.</summary>
public class ClusterMessageSerializerTests() : TestKit(CosocketCluster.DefaultConfig.WithFallback(ConfigurationFactory.ParseString("akka.actor.provider = cluster\nakka.remote.dot-netty.tcp.port = 0")))
{
    public static TheoryData<object> Messages => new()
    {
        Deliver.Text("héllo"),
        Deliver.Binary([0, 1, 255]),
        new SendToConnection("0a1b2c3d-0123456789abcdef", Deliver.Text("x")),
        new SendToUser("alice", Deliver.Binary([])),
        new DeliveryResult(3, null),
        DeliveryResult.Failure(DeliveryResult.NoSuchUser),
        new GetConnectionIdentity("0a1b2c3d-0123456789abcdef"),
        new ConnectionIdentityResult("0a1b2c3d-0123456789abcdef", "alice", [new("sub", "alice"), new("cosocket:publish", "news chat:*")], null),
        ConnectionIdentityResult.Failure("0a1b2c3d-x", DeliveryResult.NoSuchConnection),
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void Message_UsesCosocketsSerializer_AndRoundTrips(object message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<ClusterMessageSerializer>(serializer);
        var back = Sys.Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, ((Akka.Serialization.SerializerWithStringManifest)serializer).Manifest(message));
        Assert.Equal(Describe(message), Describe(back));
    }

    [Fact]
    public void RegisterConnection_AndRegistered_CarryTheActorReference()
    {
        var serializer = (Akka.Serialization.SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(new RegisterConnection("alice", TestActor));
        object RoundTrip(object message) => serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message));
        Assert.Equal(new RegisterConnection("alice", TestActor), RoundTrip(new RegisterConnection("alice", TestActor)));
        Assert.Equal(new Registered("alice", TestActor, 2), RoundTrip(new Registered("alice", TestActor, 2)));
    }

    /// <summary>Records compare arrays by reference; compare their contents.</summary>
    private static string Describe(object message) => message switch
    {
        Deliver d => $"Deliver {d.IsText} {Convert.ToHexString(d.Data)}",
        SendToConnection s => $"SendToConnection {s.ConnectionId} {Describe(s.Message)}",
        SendToUser s => $"SendToUser {s.User} {Describe(s.Message)}",
        ConnectionIdentityResult r => $"ConnectionIdentityResult {r.ConnectionId} {r.User} [{string.Join(", ", r.Claims)}] {r.Err}",
        _ => message.ToString()!,
    };
}
