using System.Net;
using System.Security.Cryptography.X509Certificates;
using Akka.TestKit.Xunit2;
using Cosocket.Actors.Client;
using Cosocket.Actors.Server;
using Cosocket.Actors.Tests.Server;

namespace Cosocket.Actors.Tests.Client;

/// <summary>wss both ways: the original's cs.t TLS tests (22–26, 29, 33–36), D5 and D7.</summary>
public class TlsTests : TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    /// <summary>A wss listener whose handler logs the Host header and the SNI, then echoes text until the end.</summary>
    private ServerHarness WssServer(ServerTls tls)
    {
        var harness = new ServerHarness(Sys, async (request, h) =>
        {
            h.Log($"host: <{request.Headers["Host"]}>");
            h.Log($"SSL server name: <{request.ServerName}>");
            var (wb, _) = await WebSocketServer.NewAsync(request);
            while (true)
            {
                var frame = await wb!.RecvFrameAsync();
                if (frame.IsError || frame.Type == "close")
                    return;
                await wb.SendTextAsync(frame.Text!);
            }
        }, tls: tls);
        return harness;
    }

    private WebSocketClient NewClient() => WebSocketClient.New(Sys, new ClientOptions { Timeout = Wait }).Client!;

    private static async Task<string> EchoAsync(WebSocketClient client, string text)
    {
        await client.SendTextAsync(text);
        var frame = await client.RecvFrameAsync();
        return $"received: {frame.Text} ({frame.Type})";
    }

    [Fact]
    public async Task Wss_ToAPlainPort_FailsAtOnce_WithAHint()
    {
        var plain = new ServerHarness(Sys, (request, h) => ServerHarness.RecvOneFrame(request, h));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (ok, err, _) = await NewClient().ConnectAsync($"wss://127.0.0.1:{plain.EndPoint.Port}/s", new ConnectOptions { SslVerify = false });
        Assert.Null(ok);
        Assert.StartsWith("ssl handshake failed: ", err);
        Assert.EndsWith("(the server did not answer in TLS: is it a ws:// port?)", err);
        // Not the handshake timeout (10 s): the server refuses a ClientHello as soon as it sees its first byte.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact] // TESTs 22 and 26: keepalive over TLS; a reused wss connection does neither TLS nor HTTP handshake again
    public async Task WssWithKeepalive_ReusesTheConnection()
    {
        var harness = WssServer(new ServerTls(TestCertificates.SelfSigned()));
        var client = NewClient();
        var results = new List<string>();
        for (int i = 1; i <= 3; i++)
        {
            var (ok, err, res) = await client.ConnectAsync($"wss://127.0.0.1:{harness.EndPoint.Port}/s", new ConnectOptions { SslVerify = false });
            Assert.True(ok == 1, err);
            results.Add(res!.StartsWith("HTTP/1.1 101") ? "new" : res);
            results.Add(await EchoAsync(client, $"hello {i}"));
            await client.SetKeepaliveAsync();
        }
        Assert.Equal(["new", "received: hello 1 (text)", "connection reused", "received: hello 2 (text)", "connection reused", "received: hello 3 (text)"], results);
    }

    [Fact] // TEST 24, and D7: SNI without a port
    public async Task SslVerify_WithTheCaTrusted_Succeeds()
    {
        var harness = WssServer(new ServerTls(TestCertificates.Server));
        var client = NewClient();
        var (ok, err, _) = await client.ConnectAsync($"wss://127.0.0.1:{harness.EndPoint.Port}/s", new ConnectOptions
        {
            ServerName = "test.com",
            SslTrustedCertificates = TestCertificates.Trust(TestCertificates.Ca),
        });
        Assert.True(ok == 1, err);
        Assert.Equal("received: hello (text)", await EchoAsync(client, "hello"));
        Assert.Equal((1, (string?)null), await client.CloseAsync()); // TEST 23
    }

    [Fact] // TEST 25 and D5: verification is on by default
    public async Task SslVerify_ByDefault_RefusesASelfSignedCertificate()
    {
        var harness = WssServer(new ServerTls(TestCertificates.SelfSigned()));
        var result = await NewClient().ConnectAsync($"wss://127.0.0.1:{harness.EndPoint.Port}/s", new ConnectOptions { ServerName = "test.com" });
        Assert.Equal(ConnectResult.Failure("ssl handshake failed: 18: self-signed certificate"), result);
    }

    [Fact]
    public async Task SslVerify_WrongName_IsHostnameMismatch()
    {
        var harness = WssServer(new ServerTls(TestCertificates.Server));
        var result = await NewClient().ConnectAsync($"wss://127.0.0.1:{harness.EndPoint.Port}/s", new ConnectOptions
        {
            ServerName = "other.test",
            SslTrustedCertificates = TestCertificates.Trust(TestCertificates.Ca),
        });
        Assert.Equal(ConnectResult.Failure("ssl handshake failed: 62: hostname mismatch"), result);
    }

    [Fact]
    public async Task SslVerify_UnknownCa_IsUnableToGetLocalIssuer()
    {
        var harness = WssServer(new ServerTls(TestCertificates.Server));
        var result = await NewClient().ConnectAsync($"wss://127.0.0.1:{harness.EndPoint.Port}/s", new ConnectOptions { ServerName = "test.com" });
        Assert.Equal(ConnectResult.Failure("ssl handshake failed: 20: unable to get local issuer certificate"), result);
    }

    [Fact] // TEST 29: mutual TLS
    public async Task MutualTls_ClientCertificateSignedByTheCa_IsAccepted_AndNoneIsRefused()
    {
        var tls = new ServerTls(TestCertificates.Server, ClientCertificateRequired: true, TrustedClientCertificates: TestCertificates.Trust(TestCertificates.Ca));
        var harness = WssServer(tls);
        string uri = $"wss://127.0.0.1:{harness.EndPoint.Port}/s";
        var trusted = TestCertificates.Trust(TestCertificates.Ca);

        var withCertificate = NewClient();
        var (ok, err, _) = await withCertificate.ConnectAsync(uri, new ConnectOptions
        {
            ServerName = "test.com",
            SslTrustedCertificates = trusted,
            ClientCert = TestCertificates.CertificatePem(TestCertificates.Client),
            ClientPrivKey = TestCertificates.PrivateKeyPem(TestCertificates.Client),
        });
        Assert.True(ok == 1, err);
        Assert.Equal("received: hello (text)", await EchoAsync(withCertificate, "hello"));

        var without = await NewClient().ConnectAsync(uri, new ConnectOptions { ServerName = "test.com", SslTrustedCertificates = trusted, Pool = "no-cert" });
        Assert.Null(without.Ok);
        Assert.True(without.Err!.StartsWith("ssl handshake failed: ") || without.Err.StartsWith("failed to send the handshake request: ")
            || without.Err.StartsWith("failed to receive response header: "), without.Err);
    }

    [Fact]
    public async Task ClientCertWithoutKey_IsTheSeedsError()
    {
        var result = await NewClient().ConnectAsync("wss://127.0.0.1:1/", new ConnectOptions { ClientCert = TestCertificates.CertificatePem(TestCertificates.Client) });
        Assert.Equal(ConnectResult.Failure("client_priv_key must be provided with client_cert"), result);
    }

    [Theory] // TESTs 33–36 and D7
    [InlineData("test.com", null, "test.com", "test.com")]
    [InlineData("test.com:8443", null, "test.com:8443", "test.com")]
    [InlineData(null, "test.com", null, "test.com")]
    [InlineData("client.test", "test.com", "client.test", "test.com")]
    public async Task Sni_ComesFromServerName_ElseTheHostWithoutItsPort(string? host, string? serverName, string? expectedHost, string expectedSni)
    {
        var harness = WssServer(new ServerTls(TestCertificates.Server));
        var (ok, err, _) = await NewClient().ConnectAsync($"wss://127.0.0.1:{harness.EndPoint.Port}/s", new ConnectOptions
        {
            Host = host,
            ServerName = serverName,
            SslTrustedCertificates = TestCertificates.Trust(TestCertificates.Ca),
        });
        Assert.True(ok == 1, err);
        Assert.Equal($"host: <{expectedHost ?? $"127.0.0.1:{harness.EndPoint.Port}"}>", harness.NextLog());
        Assert.Equal($"SSL server name: <{expectedSni}>", harness.NextLog());
    }
}
