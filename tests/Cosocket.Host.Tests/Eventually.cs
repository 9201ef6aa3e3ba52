namespace Cosocket.Host.Tests;

/// <summary>Waiting for a state no event announces (a gauge in <c>/metrics</c>, a descriptor count):
/// the condition is asked again until it holds, and the test fails after <see cref="Peer.Patience"/>.</summary>
internal static class Eventually
{
    public static async Task HoldsAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Peer.Patience;
        while (!await condition())
            Assert.True(DateTime.UtcNow < deadline, what + " did not happen within " + Peer.Patience);
    }
}
