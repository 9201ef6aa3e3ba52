namespace Cosocket.Conformance.Tests;

/// <summary>
/// Every case of <see cref="Cases"/> against Cosocket's server (<c>/echo</c>, the peer a raw client)
/// behind both front doors (its own listener, and Kestrel through <c>MapCosocket</c>), and against
/// Cosocket's client (an echo application on the message layer, the peer a raw server).
/// </summary>
public sealed class ConformanceTests(Roles roles) : IClassFixture<Roles>
{
    public static IEnumerable<object[]> ServerCases() =>
        from door in Enum.GetValues<FrontDoor>() from name in Cases.All.Select(c => c.Name) select new object[] { door, name };

    [Theory]
    [MemberData(nameof(ServerCases))]
    public async Task Server(FrontDoor door, string name)
    {
        await using var peer = await roles.ConnectToServerAsync(door);
        await Cases.Named(name).Run(peer);
    }

    [Theory]
    [MemberData(nameof(Cases.Names), MemberType = typeof(Cases))]
    public async Task Client(string name)
    {
        var (peer, run) = await roles.ConnectClientAsync();
        await using (peer)
            await Cases.Named(name).Run(peer);
        // However the case ended, the client's application sees the connection end too.
        var ended = await run.WaitAsync(WirePeer.Patience);
        Assert.False(string.IsNullOrEmpty(ended.Ending));
    }

    /// <summary>The same cases through the command line: <c>cosocket connect --echo URL</c>, messages up to 16 MiB.</summary>
    [Theory]
    [MemberData(nameof(Cases.Names), MemberType = typeof(Cases))]
    public async Task ConnectCommand(string name)
    {
        var (peer, run) = await roles.ConnectCommandAsync();
        await using (peer)
            await Cases.Named(name).Run(peer);
        // However the case ended, the command ends too: 0 after a clean close, 1 otherwise.
        Assert.InRange(await run.WaitAsync(WirePeer.Patience), 0, 1);
    }
}
