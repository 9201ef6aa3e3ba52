using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.RegularExpressions;
using Akka.Actor;
using Cosocket.Actors.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cosocket.Host.Tests;

/// <summary>
/// Cosocket's client against independent servers: Python <c>websockets</c>, Node <c>ws</c> and
/// Kestrel. Each exchange: text, binary up to 1 MiB, a ping answered by a pong, and a close
/// answered with the same code.
/// </summary>
public sealed class ClientInteropTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private ActorSystem _system = null!;

    public Task InitializeAsync()
    {
        _system = ActorSystem.Create("client-interop");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _system.Terminate();

    private async Task ExchangeAsync(string uri, TestCertificate? tls)
    {
        var (client, _) = WebSocketClient.New(_system, new ClientOptions { MaxPayloadLen = 2 << 20, Timeout = Patience });
        // Over wss the server's certificate is verified: trusted as a test CA, name test.com (SNI).
        var options = tls is null ? null : new ConnectOptions { ServerName = "test.com", SslTrustedCertificates = tls.Trust };
        var (ok, err, res) = await client!.ConnectAsync(uri, options);
        Assert.True(ok == 1, $"{err}\n{res}");

        Assert.Null((await client.SendTextAsync("你好, WebSocket!")).Err);
        var text = await client.RecvFrameAsync();
        Assert.Equal(("text", "你好, WebSocket!"), (text.Type, text.Text));

        foreach (int size in new[] { 3, 126, 65536, 1 << 20 })
        {
            byte[] payload = new byte[size];
            new Random(size).NextBytes(payload);
            Assert.Null((await client.SendBinaryAsync(payload)).Err);
            var back = await client.RecvFrameAsync();
            Assert.Equal("binary", back.Type);
            Assert.Equal(payload, back.Data);
        }

        Assert.Null((await client.SendPingAsync("are you there?"u8.ToArray())).Err);
        var pong = await client.RecvFrameAsync();
        Assert.Equal(("pong", "are you there?"), (pong.Type, pong.Text));

        Assert.Null((await client.SendCloseAsync(1000, "bye")).Err);
        var close = await client.RecvFrameAsync();
        Assert.Equal(("close", (ushort?)1000), (close.Type, close.Code));
        Assert.Equal((1, (string?)null), await client.CloseAsync());
    }

    /// <summary>With permessage-deflate offered (the defaults: no context takeover asked of either
    /// side): the server's answer, then messages both ways through the message layer, small and
    /// compressible, fragmented and random.</summary>
    private async Task ExchangeCompressedAsync(string uri, TestCertificate? tls, string expectedAgreement)
    {
        var (client, _) = WebSocketClient.New(_system, new ClientOptions { MaxPayloadLen = 2 << 20, Timeout = Patience, Compression = new() });
        var options = tls is null ? null : new ConnectOptions { ServerName = "test.com", SslTrustedCertificates = tls.Trust };
        var (ok, err, res) = await client!.ConnectAsync(uri, options);
        Assert.True(ok == 1, $"{err}\n{res}");
        Assert.Equal(expectedAgreement, client.Compression?.ToString());

        string json = System.Text.Json.JsonSerializer.Serialize(Enumerable.Range(0, 3000).Select(i => new { user = $"user{i % 7}", text = $"message {i}" }));
        byte[] random = new byte[1 << 20];
        new Random(5).NextBytes(random);
        foreach (var (payload, text) in new[] { (Encoding.UTF8.GetBytes("你好, WebSocket!"), true), (Encoding.UTF8.GetBytes(json), true), (random, false) })
        {
            Assert.Null((await client.SendMessageAsync(payload, text)).Err);
            var back = await client.ReceiveMessageAsync();
            Assert.Null(back.Err);
            Assert.Equal(text ? "text" : "binary", back.Type);
            Assert.Equal(payload, back.Data);
        }
        var closed = await client.CloseHandshakeAsync(1000, "bye");
        Assert.Equal((ushort?)1000, closed.Code);
    }

    private async Task ExchangeWithPeerAsync(string program, string script, bool secure, string? compressed = null)
    {
        using var tls = secure ? new TestCertificate() : null;
        string[] arguments = tls is null ? [script] : [script, tls.CertificateFile, tls.KeyFile];
        using var server = PeerProcess.Start(program, arguments, PeerProcess.InteropDirectory, watchFor: "listening ");
        string port = Regex.Match(await server.WaitForWatchedAsync(Patience), @"listening (\d+)").Groups[1].Value;
        string uri = $"{(secure ? "wss" : "ws")}://127.0.0.1:{port}/";
        if (compressed is null)
            await ExchangeAsync(uri, tls);
        else
            await ExchangeCompressedAsync(uri, tls, compressed);
    }

    [Fact]
    public Task AgainstPythonWebsockets_WithDeflate() => ExchangeWithPeerAsync("/usr/bin/python3", "echo_server.py", secure: false,
        // websockets' server defaults: 12-bit windows on both sides.
        compressed: "DeflateParameters { ServerNoContextTakeover = True, ClientNoContextTakeover = True, ServerMaxWindowBits = 12, ClientMaxWindowBits = 12 }");

    [Fact]
    public Task AgainstNodeWs_WithDeflate() => ExchangeWithPeerAsync("node", "echo_server.mjs", secure: true,
        compressed: "DeflateParameters { ServerNoContextTakeover = True, ClientNoContextTakeover = True, ServerMaxWindowBits = 15, ClientMaxWindowBits = 15 }");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task AgainstPythonWebsockets(bool secure) => ExchangeWithPeerAsync("/usr/bin/python3", "echo_server.py", secure);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task AgainstNodeWs(bool secure) => ExchangeWithPeerAsync("node", "echo_server.mjs", secure);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AgainstKestrel(bool secure) => await AgainstKestrelAsync(secure, compressed: false);

    [Fact]
    public async Task AgainstKestrel_WithDeflate() => await AgainstKestrelAsync(secure: false, compressed: true);

    private async Task AgainstKestrelAsync(bool secure, bool compressed)
    {
        using var tls = secure ? new TestCertificate() : null;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (tls is not null)
                listen.UseHttps(tls.Certificate);
        }));
        await using var app = builder.Build();
        app.UseWebSockets();
        app.Map("/echo", async context =>
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { DangerousEnableCompression = compressed });
            var buffer = new byte[64 * 1024];
            using var message = new MemoryStream();
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseAsync(result.CloseStatus!.Value, result.CloseStatusDescription, CancellationToken.None);
                    return;
                }
                message.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    await socket.SendAsync(message.ToArray(), result.MessageType, true, CancellationToken.None);
                    message.SetLength(0);
                }
            }
        });
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        string uri = address.Replace("http://", "ws://").Replace("https://", "wss://") + "/echo";
        if (compressed)
            await ExchangeCompressedAsync(uri, tls, "DeflateParameters { ServerNoContextTakeover = True, ClientNoContextTakeover = True, ServerMaxWindowBits = 15, ClientMaxWindowBits = 15 }");
        else
            await ExchangeAsync(uri, tls);
    }
}
