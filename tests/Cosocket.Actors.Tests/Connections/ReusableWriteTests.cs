using Cosocket.Actors.Connections;
using Cosocket.Actors.Sessions;

namespace Cosocket.Actors.Tests.Connections;

public class ReusableWriteTests
{
    [Fact]
    public async Task Start_EachSendGetsItsOwnResult_FromOneSource()
    {
        var write = new ReusableWrite();
        for (int i = 1; i <= 3; i++)
        {
            var sent = write.Start(out short token);
            write.OnWritten(i * 10, token);
            Assert.Equal(i * 10, await sent);
        }
    }

    [Fact]
    public async Task OnWritten_AboutAnEarlierSend_IsIgnored()
    {
        var write = new ReusableWrite();
        var first = write.Start(out short old);
        write.Cancel(CancellationToken.None); // the first send timed out
        await Assert.ThrowsAsync<OperationCanceledException>(async () => await first);

        var second = write.Start(out short current);
        write.OnWritten(1, old); // the first send's frame, written late
        Assert.False(second.IsCompleted);
        write.OnWritten(2, current);
        Assert.Equal(2, await second);
    }

    [Fact]
    public async Task OnFailed_ThenOnWritten_TheFirstWordWins()
    {
        var write = new ReusableWrite();
        var sent = write.Start(out short token);
        write.OnFailed(new IOException("reset"), token);
        write.OnWritten(5, token);
        await Assert.ThrowsAsync<IOException>(async () => await sent);
    }
}
