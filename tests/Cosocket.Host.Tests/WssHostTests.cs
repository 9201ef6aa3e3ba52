using System.Net.Security;
using System.Net.WebSockets;
using System.Text;

namespace Cosocket.Host.Tests;

/// <summary>The host serving wss:// from a configured PEM certificate, and <c>cosocket connect</c>'s TLS flags.</summary>
public sealed class WssHostTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TestCertificate _tls = new();
    private string _config = "";
    private RunningHost _host = null!;

    public async Task InitializeAsync()
    {
        _config = Path.GetTempFileName();
        File.WriteAllText(_config, File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "akka.hocon")) +
            $"\ncosocket.tls.certificate = \"{_tls.CertificateFile}\"\ncosocket.tls.key = \"{_tls.KeyFile}\"\n");
        _host = await RunningHost.StartAsync(_config);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        File.Delete(_config);
        _tls.Dispose();
    }

    [Fact]
    public async Task ClientWebSocket_EchoesOverWss_VerifyingTheConfiguredCertificate()
    {
        using var socket = new ClientWebSocket();
        socket.Options.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            certificate is not null && certificate.GetCertHashString() == _tls.Certificate.GetCertHashString();
        await socket.ConnectAsync(_host.Uri("/echo", secure: true), CancellationToken.None).WaitAsync(Patience);
        await socket.SendAsync("over tls"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[64];
        var result = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(Patience);
        Assert.Equal("over tls", Encoding.UTF8.GetString(buffer, 0, result.Count));
    }

    [Fact]
    public async Task ClientWebSocket_OverHttp2_Rfc8441_EchoesOnTheOnePort()
    {
        // Kestrel offers h2 by ALPN on the TLS port; a browser whose page came over HTTP/2 opens its
        // WebSockets as extended CONNECTs on that connection, as this client does.
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            certificate is not null && certificate.GetCertHashString() == _tls.Certificate.GetCertHashString();
        using var invoker = new HttpMessageInvoker(handler);
        using var socket = new ClientWebSocket();
        socket.Options.HttpVersion = System.Net.HttpVersion.Version20;
        socket.Options.HttpVersionPolicy = System.Net.Http.HttpVersionPolicy.RequestVersionExact;
        socket.Options.CollectHttpResponseDetails = true;
        await socket.ConnectAsync(_host.Uri("/echo", secure: true), invoker, CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(System.Net.HttpStatusCode.OK, socket.HttpStatusCode);
        await socket.SendAsync("over h2"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[64];
        var result = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(Patience);
        Assert.Equal("over h2", Encoding.UTF8.GetString(buffer, 0, result.Count));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    [Fact]
    public async Task HeadlessChromium_PageOverHttp2_ItsWebSocketEchoesOverHttp2Too()
    {
        using var upgradesOverHttp2 = new Cosocket.Tests.Http2UpgradeCounter();
        // The page from the WebSocket port itself (Kestrel serves both there), over TLS.
        string[] arguments = ["chromium_echo.mjs", _host.Uri("/echo", secure: true).ToString(), $"https://{_host.EndPoint}/health"];
        var (exitCode, output) = await PeerProcess.RunAsync("node", arguments, TimeSpan.FromSeconds(90), PeerProcess.InteropDirectory);
        Assert.True(exitCode == 0, $"chromium_echo.mjs exited with {exitCode}:\n{output}");
        Assert.Equal(["page h2", "extensions permessage-deflate; server_no_context_takeover; client_no_context_takeover", "text ok", "json ok", "binary ok", "close 1000 true"],
            output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        // The browser opened the WebSocket as an extended CONNECT on the page's HTTP/2 connection.
        Assert.Equal(1, upgradesOverHttp2.Count);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Connect_WithTheCaOrInsecure_Echoes(bool withCa)
    {
        string[] flags = withCa ? ["--ca", _tls.CertificateFile, "--server-name", "test.com"] : ["--insecure"];
        var output = new StringWriter();
        var errors = new StringWriter();
        int exitCode = await ConnectCommand.RunAsync([_host.Uri("/echo", secure: true).ToString(), .. flags], new StringReader("hi\n"), output, errors).WaitAsync(Patience);
        Assert.True(exitCode == 0, errors.ToString());
        Assert.Equal("hi\n", output.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Connect_WithoutTrust_FailsVerification()
    {
        var errors = new StringWriter();
        int exitCode = await ConnectCommand.RunAsync([_host.Uri("/echo", secure: true).ToString(), "--server-name", "test.com"], new StringReader(""), new StringWriter(), errors).WaitAsync(Patience);
        Assert.Equal(1, exitCode);
        Assert.Equal("ssl handshake failed: 18: self-signed certificate", errors.ToString().Trim());
    }
}
