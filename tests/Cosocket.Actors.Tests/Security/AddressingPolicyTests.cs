using System.Collections.Immutable;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Security;

namespace Cosocket.Actors.Tests.Security;

public class AddressingPolicyTests
{
    private static readonly AddressingPolicy Policy = AddressingPolicy.Default;

    private static ConnectionIdentity Alice(params (string, string)[] claims) => ConnectionIdentity.Of("alice", claims);

    [Fact]
    public void Check_NoGrant_IsDenied() =>
        Assert.Equal("not allowed to subscribe to news", Policy.Check(Alice(), AddressingOperation.Subscribe, "news"));

    [Theory]
    [InlineData("news", "news", true)]
    [InlineData("news", "newsroom", false)]
    [InlineData("news.*", "news.sport", true)]
    [InlineData("news.*", "weather", false)]
    [InlineData("*", "anything", true)]
    [InlineData("*", "chat:lobby", false)]
    [InlineData("chat:*", "chat:lobby", true)]
    [InlineData("chat:lobby", "chat:lobby", true)]
    public void Check_PublishClaimPattern(string pattern, string topic, bool allowed) =>
        Assert.Equal(allowed, Policy.Check(Alice((AddressingPolicy.PublishClaim, pattern)), AddressingOperation.Publish, topic) is null);

    [Fact]
    public void Check_ClaimOfAnotherOperation_DoesNotCount() =>
        Assert.NotNull(Policy.Check(Alice((AddressingPolicy.SubscribeClaim, "*")), AddressingOperation.Publish, "news"));

    [Fact]
    public void Check_SendToItself_IsAlwaysAllowed_ToOthersNeedsAGrant()
    {
        Assert.Null(Policy.Check(Alice(), AddressingOperation.Send, "user:alice"));
        Assert.Equal("not allowed to send to user:bob", Policy.Check(Alice(), AddressingOperation.Send, "user:bob"));
        Assert.Null(Policy.Check(Alice((AddressingPolicy.SendClaim, "user:*")), AddressingOperation.Send, "user:bob"));
        Assert.NotNull(Policy.Check(Alice((AddressingPolicy.SendClaim, "user:*")), AddressingOperation.Send, "connection:c1"));
    }

    [Fact]
    public void Check_GrantsForEveryone_AddToTheClaims()
    {
        var policy = Policy with
        {
            Everyone = ImmutableDictionary<AddressingOperation, ImmutableArray<string>>.Empty.Add(AddressingOperation.Subscribe, ["public.*"]),
        };
        Assert.Null(policy.Check(Alice(), AddressingOperation.Subscribe, "public.news"));
        Assert.NotNull(policy.Check(Alice(), AddressingOperation.Publish, "public.news"));
    }

    [Fact]
    public void Check_Callback_DecidesFirst_NullLeavesItToTheGrants()
    {
        var policy = Policy with { Callback = (identity, _, target) => target == "vip" ? identity.User == "alice" : null };
        Assert.Null(policy.Check(Alice(), AddressingOperation.Subscribe, "vip"));
        Assert.NotNull(policy.Check(ConnectionIdentity.Of("bob", (AddressingPolicy.SubscribeClaim, "*")), AddressingOperation.Subscribe, "vip"));
        Assert.Null(policy.Check(ConnectionIdentity.Of("bob", (AddressingPolicy.SubscribeClaim, "*")), AddressingOperation.Subscribe, "news"));
    }
}
