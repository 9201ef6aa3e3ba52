using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Akka.Actor;
using Cosocket.Actors.Client;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Server;
using Cosocket.AspNetCore;
using Cosocket.Host.Endpoints;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cosocket.Conformance.Tests;

/// <summary>How a request reaches Cosocket's server: its own listener, or Kestrel through <c>MapCosocket</c>.</summary>
public enum FrontDoor
{
    Standalone,
    Kestrel,
}

/// <summary>
/// The two sides under test, as the Autobahn TestSuite drives them: Cosocket's server with its
/// <c>/echo</c> endpoint (the fuzzing client's target), behind either front door, and Cosocket's
/// client running an echo application on the message layer (the fuzzing server's target). One
/// actor system for the standalone listener and the client, one ASP.NET Core application for Kestrel.
/// </summary>
public sealed class Roles : IAsyncLifetime
{
    /// <summary>The largest message either side under test takes: the largest of Autobahn's section 9.</summary>
    public const int MaxMessageLen = 16 * 1024 * 1024;

    private ActorSystem _system = null!;
    private ServerBinding _server = null!;
    private WebApplication _kestrel = null!;
    private IPEndPoint _kestrelEndPoint = null!;

    /// <summary>The endpoints under test, the same behind both front doors (made once both exist,
    /// after the static fields they use).</summary>
    private static (string Path, WebSocketHandler Handler)[] Endpoints() =>
    [
        ("/echo", EchoEndpoint.Handler(new ServerOptions(), MaxMessageLen)),
        // permessage-deflate: asking nothing of its own (the client's offer decides), and with the defaults.
        ("/echo-deflate", EchoEndpoint.Handler(new ServerOptions { Compression = OfferDecides }, MaxMessageLen)),
        ("/echo-deflate-defaults", EchoEndpoint.Handler(new ServerOptions { Compression = new CompressionOptions { Threshold = 0 } }, MaxMessageLen)),
    ];

    public async Task InitializeAsync()
    {
        _system = ActorSystem.Create("conformance", "akka.loglevel = WARNING");
        var routes = new WebSocketRoutes();
        foreach (var (path, handler) in Endpoints())
            routes.Map(path, handler);
        _server = CosocketServer.Bind(_system, new IPEndPoint(IPAddress.Loopback, 0), routes);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.AddCosocket();
        _kestrel = builder.Build();
        foreach (var (path, handler) in Endpoints())
            _kestrel.MapCosocket(path, handler);
        await _kestrel.StartAsync();
        var address = new Uri(_kestrel.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        _kestrelEndPoint = new IPEndPoint(IPAddress.Loopback, address.Port);
    }

    public async Task DisposeAsync()
    {
        await _server.DrainAsync(TimeSpan.FromSeconds(2));
        await _system.Terminate();
        await _kestrel.DisposeAsync();
    }

    /// <summary>Compression that asks nothing of its own: context takeover and 15-bit windows unless
    /// the offer asks otherwise; every message compressed.</summary>
    public static readonly CompressionOptions OfferDecides = new() { ServerNoContextTakeover = false, ClientNoContextTakeover = false, Threshold = 0 };

    /// <summary>A raw client connected to the server's <c>/echo</c> behind <paramref name="door"/>, past the opening handshake.</summary>
    public async Task<WirePeer> ConnectToServerAsync(FrontDoor door) => (await ConnectToServerAsync(door, "/echo", null)).Peer;

    /// <summary>A raw client connected to <paramref name="path"/> behind <paramref name="door"/>, offering
    /// <paramref name="extensions"/>; with the server's <c>Sec-WebSocket-Extensions</c> answer (null: none).</summary>
    public async Task<(WirePeer Peer, string? Extensions)> ConnectToServerAsync(FrontDoor door, string path, string? extensions)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(door == FrontDoor.Standalone ? _server.EndPoint : _kestrelEndPoint).WaitAsync(WirePeer.Patience);
        string key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        string request = $"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                         $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n" +
                         (extensions is null ? "" : $"Sec-WebSocket-Extensions: {extensions}\r\n") + "\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(request)).WaitAsync(WirePeer.Patience);
        var (head, rest) = await ReadHeadAsync(socket);
        Assert.StartsWith("HTTP/1.1 101", head);
        Assert.Contains($"Sec-WebSocket-Accept: {Accept(key)}", head, StringComparison.OrdinalIgnoreCase);
        return (new WirePeer(socket, isClient: true, rest), Header(head, "Sec-WebSocket-Extensions"));
    }

    private static string? Header(string head, string name) =>
        Regex.Match(head, $@"^{name}: *(.*?)\r?$", RegexOptions.IgnoreCase | RegexOptions.Multiline) is { Success: true } match ? match.Groups[1].Value : null;

    /// <summary>
    /// Starts Cosocket's client echo application against a raw server and returns that server's end,
    /// past the opening handshake, with the application's run (what it received, how it ended).
    /// </summary>
    public Task<(WirePeer Peer, Task<ClientEchoRun> Run)> ConnectClientAsync() => ConnectClientAsync(null, null);

    /// <summary>As <see cref="ConnectClientAsync()"/>, the client asking for <paramref name="compression"/>
    /// and the raw server answering <paramref name="extensions"/> (null: no such header).</summary>
    public Task<(WirePeer Peer, Task<ClientEchoRun> Run)> ConnectClientAsync(CompressionOptions? compression, string? extensions)
    {
        var options = new ClientOptions
        {
            MaxPayloadLen = MaxMessageLen,
            Messages = new MessageOptions { MaxMessageLen = MaxMessageLen },
            Compression = compression,
        };
        return AcceptAsync(url => ClientEchoRun.StartAsync(_system, options, url), extensions);
    }

    /// <summary>
    /// Starts <c>cosocket connect --echo URL</c> (in this process, as the executable runs it) against a
    /// raw server and returns that server's end, past the opening handshake, with the command's exit code.
    /// </summary>
    public Task<(WirePeer Peer, Task<int> Run)> ConnectCommandAsync() =>
        AcceptAsync(url => Cosocket.Host.ConnectCommand.RunAsync(["--echo", url], TextReader.Null, TextWriter.Null, TextWriter.Null));

    /// <summary>A raw server on an ephemeral port: <paramref name="start"/> connects to it; its end is returned past the handshake.</summary>
    private static async Task<(WirePeer Peer, Task<T> Run)> AcceptAsync<T>(Func<string, Task<T>> start, string? extensions = null)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var run = start($"ws://127.0.0.1:{((IPEndPoint)listener.LocalEndPoint!).Port}/runCase");
        var socket = await listener.AcceptAsync().WaitAsync(WirePeer.Patience);
        socket.NoDelay = true;
        var (head, rest) = await ReadHeadAsync(socket);
        string key = Regex.Match(head, @"Sec-WebSocket-Key: *(\S+)", RegexOptions.IgnoreCase).Groups[1].Value;
        string response = $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {Accept(key)}\r\n" +
            (extensions is null ? "" : $"Sec-WebSocket-Extensions: {extensions}\r\n") + "\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(response)).WaitAsync(WirePeer.Patience);
        return (new WirePeer(socket, isClient: false, rest), run);
    }

    /// <summary>RFC 6455 §4.2.2, computed here rather than by the code under test.</summary>
    private static string Accept(string key) =>
        Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));

    private static async Task<(string Head, byte[] AfterHead)> ReadHeadAsync(Socket socket)
    {
        var received = new List<byte>();
        var chunk = new byte[4096];
        while (true)
        {
            int end = received.Count >= 4 ? IndexOfBlankLine(received) : -1;
            if (end >= 0)
                return (Encoding.ASCII.GetString(received.GetRange(0, end).ToArray()), received.Skip(end).ToArray());
            int read = await socket.ReceiveAsync(chunk).WaitAsync(WirePeer.Patience);
            Assert.True(read > 0, "the connection ended during the opening handshake");
            received.AddRange(chunk.AsSpan(0, read));
        }
    }

    private static int IndexOfBlankLine(List<byte> bytes)
    {
        for (int i = 0; i + 3 < bytes.Count; i++)
        {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n')
                return i + 4;
        }
        return -1;
    }
}

/// <summary>Cosocket's client as Autobahn's fuzzing server expects a client under test to behave:
/// every message it receives goes back as it came, until the connection closes.</summary>
public sealed record ClientEchoRun(IReadOnlyList<string> Received, string Ending)
{
    public static async Task<ClientEchoRun> StartAsync(ActorSystem system, ClientOptions options, string url)
    {
        var (client, err) = WebSocketClient.New(system, options);
        Assert.Null(err);
        var connected = await client!.ConnectAsync(url);
        Assert.True(connected.Ok == 1, connected.Err);
        var received = new List<string>();
        while (true)
        {
            var message = await client.ReceiveMessageAsync();
            if (message.IsError)
            {
                if (client.Fatal)
                    return new ClientEchoRun(received, $"error: {message.Err} ({message.CloseCode})");
                continue;
            }
            received.Add(message.Type!);
            if (message.Type == MessageResult.CloseType)
                return new ClientEchoRun(received, $"close {message.CloseCode}");
            await client.SendMessageAsync(message);
        }
    }
}
