using System.Buffers.Binary;
using System.Text;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Cosocket.Actors.Cluster;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Server;
using Cosocket.Actors.Sessions;
using Cosocket.Protocol;

namespace Cosocket.Actors.Tests.Server;

/// <summary>
/// The outgoing byte budget (<see cref="FrameOptions.MaxOutgoingBytes"/>): one sender's frames keep
/// their order however far the peer falls behind, a message that finds the budget spent is refused
/// and the connection closed as a slow consumer, and an awaited send waits for room only within its
/// timeout.
/// </summary>
public class OutgoingBudgetTests : TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    /// <summary>A server whose handler upgrades with <paramref name="options"/>, reports the server
    /// object, and reads until the peer closes.</summary>
    private async Task<(ServerHarness Harness, RawClient Client, WebSocketServer Server)> ConnectAsync(ServerOptions options, Func<WebSocketServer, Task>? handler = null)
    {
        var server = new TaskCompletionSource<WebSocketServer>(TaskCreationOptions.RunContinuationsAsynchronously);
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            var (wb, err) = await WebSocketServer.NewAsync(request, options);
            Assert.Null(err);
            server.SetResult(wb!);
            if (handler is not null)
                await handler(wb!);
            else
            {
                while (!(await wb!.ReceiveMessageAsync()).IsError)
                {
                }
            }
        });
        var client = await RawClient.ConnectAsync(harness.EndPoint);
        await client.WriteAsync(RawClient.Request());
        Assert.StartsWith("HTTP/1.1 101 ", await client.ReadHeadAsync());
        return (harness, client, await server.Task.WaitAsync(Wait));
    }

    private static string Numbered(int i) => i.ToString("D5") + new string('.', 1000);

    [Fact]
    public async Task TellSendText_5000NumberedWhileThePeerDoesNotRead_ArriveInOrder()
    {
        var (_, client, server) = await ConnectAsync(new ServerOptions { MaxOutgoingBytes = 64L * 1024 * 1024 });
        await using var _ = client;

        for (int i = 0; i < 4999; i++)
            server.Connection.Tell(new SendText(Numbered(i)), ActorRefs.NoSender);
        // Answered once queued, after every Tell before it (the actor's mailbox is FIFO): the 5 MB now
        // wait on the server, far more than the sockets hold, while nothing has been read.
        var last = await server.Connection.Ask<DeliveryResult>(new SendToConnection(server.ConnectionId, Deliver.Text(Numbered(4999))), Wait);
        Assert.Equal(new DeliveryResult(1, null), last);

        for (int i = 0; i < 5000; i++)
        {
            var (b0, payload) = await client.ReadFrameAsync();
            Assert.Equal(0x81, b0);
            Assert.Equal(Numbered(i), Encoding.UTF8.GetString(payload));
        }
    }

    [Fact]
    public async Task Deliver_OverBudget_AnswersSlowConsumer_AndClosesWith1008()
    {
        var (_, client, server) = await ConnectAsync(new ServerOptions { MaxOutgoingBytes = 64 * 1024 });
        await using var _ = client;
        byte[] chunk = new byte[16 * 1024];

        DeliveryResult result;
        int delivered = 0;
        while ((result = await server.Connection.Ask<DeliveryResult>(new SendToConnection(server.ConnectionId, Deliver.Binary(chunk)), Wait)).Err is null)
        {
            delivered++;
            Assert.True(delivered < 10_000, "the budget never ran out");
        }
        Assert.Equal(DeliveryResult.Failure(DeliveryResult.SlowConsumer), result);
        // Closing: later messages are refused at once.
        Assert.Equal(DeliveryResult.Failure(DeliveryResult.Closed),
            await server.Connection.Ask<DeliveryResult>(new SendToConnection(server.ConnectionId, Deliver.Binary(chunk)), Wait));
        server.Connection.Tell(new SendText("late"), TestActor);
        Assert.Equal(SendResult.Failure("failed to send frame: closed"), await ExpectMsgAsync<SendResult>(Wait));

        // What was taken is written, then the close that says why.
        for (int i = 0; i < delivered; i++)
            Assert.Equal((0x82, chunk.Length), (await client.ReadFrameAsync()) is var (b0, p) ? (b0, p.Length) : default);
        var (closeB0, close) = await client.ReadFrameAsync();
        Assert.Equal(0x88, closeB0);
        Assert.Equal(CloseStatus.PolicyViolation, BinaryPrimitives.ReadUInt16BigEndian(close));
        Assert.Equal(ConnectionActor.SlowConsumer, Encoding.UTF8.GetString(close.AsSpan(2)));
        Assert.True(ConnectionCounters.SlowConsumerCloses >= 1);
    }

    [Fact]
    public async Task TellSendText_OverBudget_AnswersSlowConsumer()
    {
        var (_, client, server) = await ConnectAsync(new ServerOptions { MaxOutgoingBytes = 64 * 1024 });
        await using var _ = client;
        string text = new('x', 16 * 1024);

        SendResult? refused = null;
        for (int i = 0; i < 10_000 && refused is null; i++)
        {
            server.Connection.Tell(new SendText(text), ActorRefs.NoSender);
            var answer = await server.Connection.Ask<DeliveryResult>(new SendToConnection(server.ConnectionId, Deliver.Text("")), Wait);
            if (answer.Err is not null)
            {
                server.Connection.Tell(new SendText(text), TestActor);
                refused = await ExpectMsgAsync<SendResult>(Wait);
            }
        }
        // The Tell that found the budget spent was answered, or (when the Deliver found it first) a later one is refused as closed.
        Assert.Contains(refused!.Value.Err, new[] { "failed to send frame: slow consumer", "failed to send frame: closed" });
    }

    [Fact]
    public async Task SendMessage_OverBudget_WaitsForRoomWithinItsTimeout_ThenFailsWithTimeout()
    {
        var outcome = new TaskCompletionSource<(int Sent, string? Err)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var (_, client, _) = await ConnectAsync(new ServerOptions { MaxOutgoingBytes = 64 * 1024 }, async wb =>
        {
            wb.SetTimeout(TimeSpan.FromMilliseconds(300));
            byte[] chunk = new byte[16 * 1024];
            for (int sent = 0; ; sent++)
            {
                var (_, err) = await wb.SendBinaryAsync(chunk);
                if (err is not null)
                {
                    outcome.SetResult((sent, err));
                    return;
                }
            }
        });
        await using var _ = client;

        var (sentBeforeTimeout, error) = await outcome.Task.WaitAsync(Wait);
        Assert.Equal("failed to send frame: timeout", error);
        // Back-pressure, not an unbounded queue: the sender stopped within the budget plus what the sockets took.
        Assert.InRange(sentBeforeTimeout, 4, 2000);
    }
}
