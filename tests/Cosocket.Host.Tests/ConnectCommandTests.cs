using System.Collections.Concurrent;
using System.Net;
using Akka.Actor;
using Cosocket.Actors.Server;

namespace Cosocket.Host.Tests;

/// <summary><c>cosocket connect</c>: the command-line client.</summary>
public class ConnectCommandTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task EachLine_IsSentAsText_AndTheEchoesArePrinted()
    {
        await using var host = await RunningHost.StartAsync();
        var output = new StringWriter();
        var errors = new StringWriter();
        int exitCode = await ConnectCommand.RunAsync([host.Uri("/echo").ToString()], new StringReader("hello\n你好\n"), output, errors).WaitAsync(Patience);
        Assert.Equal(0, exitCode);
        Assert.Equal("hello\n你好\n", output.ToString().ReplaceLineEndings("\n"));
        // The host's /echo accepts the compression the command offers.
        Assert.Contains("(permessage-deflate: no context takeover)", errors.ToString());
        Assert.Contains("closed: 1000", errors.ToString());
    }

    [Fact]
    public async Task NoCompression_OffersNone()
    {
        await using var host = await RunningHost.StartAsync();
        var errors = new StringWriter();
        int exitCode = await ConnectCommand.RunAsync(["--no-compression", host.Uri("/echo").ToString()], new StringReader("hello\n"), new StringWriter(), errors).WaitAsync(Patience);
        Assert.Equal(0, exitCode);
        Assert.Contains($"connected to {host.Uri("/echo")}\n", errors.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Echo_SendsBackEveryDataMessage_UntilThePeerCloses()
    {
        var system = ActorSystem.Create("connect-echo");
        try
        {
            var received = new BlockingCollection<string>();
            var routes = new WebSocketRoutes().Map("/talk", async request =>
            {
                var (wb, _) = await WebSocketServer.NewAsync(request);
                await wb!.SendTextAsync("one");
                await wb.SendBinaryAsync(new byte[] { 1, 2, 255 });
                await wb.SendPingAsync("p"u8.ToArray());
                for (int i = 0; i < 3; i++)
                {
                    var frame = await wb.RecvFrameAsync();
                    received.Add($"{frame.Type} {(frame.Type == "binary" ? Convert.ToHexString(frame.Data!) : frame.Text)}");
                }
                await wb.SendCloseAsync(1000, "done");
                await wb.RecvFrameAsync();
            });
            var binding = CosocketServer.Bind(system, new IPEndPoint(IPAddress.Loopback, 0), routes);
            var output = new StringWriter();
            var errors = new StringWriter();
            // Options may come before the URL.
            int exitCode = await ConnectCommand.RunAsync(["--echo", $"ws://{binding.EndPoint}/talk"], new StringReader(""), output, errors).WaitAsync(Patience);

            Assert.True(exitCode == 0, errors.ToString());
            Assert.Equal("one\n0102FF\n", output.ToString().ReplaceLineEndings("\n"));
            // The ping is answered when it arrives (RFC 6455 §5.5.2, "as soon as is practical"), not
            // after the echoes of the messages before it; those keep their order.
            Assert.Equal(["text one", "binary 0102FF"], received.Take(3).Where(r => !r.StartsWith("pong", StringComparison.Ordinal)).ToArray());
            Assert.Contains("pong p", received.Take(3));
            Assert.Contains("closed: 1000 done", errors.ToString());
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public async Task Echo_MessagesUpTo16MiB_ComeBackWhole_AsAutobahnsSection9Sends()
    {
        var system = ActorSystem.Create("connect-echo-large");
        try
        {
            var echoed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            byte[] large = new byte[ConnectCommand.DefaultMaxMessageSize];
            new Random(9).NextBytes(large);
            var routes = new WebSocketRoutes().Map("/large", async request =>
            {
                var options = new ServerOptions { MaxPayloadLen = 1 << 25, Messages = new() { MaxMessageLen = 1 << 25, FragmentSize = 1 << 20 } };
                var (wb, _) = await WebSocketServer.NewAsync(request, options);
                await wb!.SendMessageAsync(large);
                var back = await wb.ReceiveMessageAsync();
                echoed.SetResult(back.Data is { } data && data.AsSpan().SequenceEqual(large));
                await wb.CloseHandshakeAsync();
            });
            var binding = CosocketServer.Bind(system, new IPEndPoint(IPAddress.Loopback, 0), routes);
            var errors = new StringWriter();
            int exitCode = await ConnectCommand.RunAsync([$"ws://{binding.EndPoint}/large", "--echo"], new StringReader(""), TextWriter.Null, errors).WaitAsync(Patience);
            Assert.True(exitCode == 0, errors.ToString());
            Assert.True(await echoed.Task.WaitAsync(Patience));
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public async Task PeerSendingInvalidUtf8_IsClosedWith1007_AndTheErrorPrinted()
    {
        var system = ActorSystem.Create("connect-strict");
        try
        {
            var closeCode = new TaskCompletionSource<ushort?>();
            var routes = new WebSocketRoutes().Map("/bad", async request =>
            {
                var (wb, _) = await WebSocketServer.NewAsync(request);
                await wb!.SendFrameAsync(true, 0x1, new byte[] { 0x41, 0xC0, 0xAF }); // an overlong "/"
                closeCode.SetResult((await wb.RecvFrameAsync()).Code);
            });
            var binding = CosocketServer.Bind(system, new IPEndPoint(IPAddress.Loopback, 0), routes);
            var errors = new StringWriter();
            int exitCode = await ConnectCommand.RunAsync([$"ws://{binding.EndPoint}/bad", "--echo"], new StringReader(""), new StringWriter(), errors).WaitAsync(Patience);

            Assert.Equal(1, exitCode);
            Assert.Equal((ushort)1007, await closeCode.Task.WaitAsync(Patience));
            Assert.Contains("invalid UTF-8 in text message (closed with 1007)", errors.ToString());
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public async Task FailedConnect_PrintsTheSeedsError_AndExits1()
    {
        using var server = PeerProcess.Start(PeerProcess.CosocketExecutable, ["connect", "ws://127.0.0.1:1/echo"]);
        Assert.Equal(1, await server.WaitForExitAsync(Patience));
        Assert.Contains("failed to connect: connection refused", server.Output);
    }

    [Theory]
    [InlineData("Required argument missing for command: 'connect'.")]
    [InlineData("Required argument missing for command: 'connect'.", "--echo")]
    [InlineData("Required argument missing for option: '--protocol'.", "ws://127.0.0.1:1/", "--protocol")]
    [InlineData("Unrecognized command or argument '--nonsense'.", "ws://127.0.0.1:1/", "--nonsense")]
    [InlineData("--ca: no such file: /nonexistent/ca.pem", "ws://127.0.0.1:1/", "--ca", "/nonexistent/ca.pem")]
    [InlineData("--cert: no such file: /nonexistent/c.pem", "ws://127.0.0.1:1/", "--cert", "/nonexistent/c.pem", "--key", "/nonexistent/k.pem")]
    [InlineData("--cert and --key go together", "ws://127.0.0.1:1/", "--key", "/etc/hostname")]
    [InlineData("--max-message-size must be a positive number of bytes", "--max-message-size", "0", "ws://127.0.0.1:1/")]
    public async Task BadArguments_AreNamed_AndExit2(string reason, params string[] args)
    {
        var errors = new StringWriter();
        Assert.Equal(Cli.BadArguments, await ConnectCommand.RunAsync(args, new StringReader(""), new StringWriter(), errors));
        Assert.Contains("cosocket connect: " + reason, errors.ToString().Split('\n', StringSplitOptions.TrimEntries));
        Assert.EndsWith("(cosocket connect --help lists the options)", errors.ToString().TrimEnd());
    }

    [Fact]
    public async Task Help_PrintsTheOptionsToStandardOutput_AndExits0()
    {
        var output = new StringWriter();
        Assert.Equal(0, await ConnectCommand.RunAsync(["--help"], new StringReader(""), output, TextWriter.Null));
        Assert.Contains("connect <URL> [options]", output.ToString()); // after the executable's name
        Assert.Contains("--max-message-size", output.ToString());
    }

    [Fact]
    public async Task Version_PrintsTheVersion_AndExits0()
    {
        var output = new StringWriter();
        Assert.Equal(0, await Cli.RunAsync(["--version"], TextReader.Null, output, TextWriter.Null));
        Assert.Equal("cosocket " + CosocketHost.Version, output.ToString().Trim());
    }
}
