using Akka.Configuration;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Server;
using Cosocket.Protocol.Deflate;

namespace Cosocket.Actors.Tests;

public class ServerOptionsTests
{
    private static readonly string HoconPath = Path.Combine(AppContext.BaseDirectory, "akka.hocon");

    [Fact]
    public void Defaults_AreTheSeeds()
    {
        var options = new ServerOptions();
        Assert.Equal(65535, options.MaxPayloadLen);
        Assert.Equal(65535, options.EffectiveMaxRecvLen);
        Assert.Equal(65535, options.EffectiveMaxSendLen);
        Assert.False(options.SendMasked);
        Assert.Null(options.Protocols);
        Assert.Equal(16384, options.MaxHeaderLen);
        Assert.Equal(TimeSpan.FromSeconds(10), options.HandshakeTimeout);
        Assert.Equal(TimeSpan.FromSeconds(60), options.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(5), options.CloseTimeout);
        Assert.Equal(1024 * 1024, options.Messages.MaxMessageLen);
        Assert.Equal(65535, options.Messages.FragmentSize);
        Assert.True(options.Messages.ValidateUtf8);
        Assert.Null(options.Messages.PingInterval);
        Assert.Equal(TimeSpan.FromSeconds(10), options.Messages.PongTimeout);
    }

    [Fact]
    public void FragmentSize_IsCappedAtTheSendLimit()
    {
        Assert.Equal(1000, new ServerOptions { MaxPayloadLen = 1000 }.EffectiveFragmentSize);
        Assert.Equal(65535, new ServerOptions().EffectiveFragmentSize);
    }

    [Fact]
    public void Config_OverridesEachMessageKey()
    {
        var config = ConfigurationFactory.ParseString("""
            messages {
              max-message-len = 2048
              fragment-size = 512
              validate-utf8 = off
              ping-interval = 15s
              pong-timeout = 3s
            }
            """);
        var messages = ServerOptions.FromConfig(config).Messages;
        Assert.Equal(new MessageOptions
        {
            MaxMessageLen = 2048,
            FragmentSize = 512,
            ValidateUtf8 = false,
            PingInterval = TimeSpan.FromSeconds(15),
            PongTimeout = TimeSpan.FromSeconds(3),
        }, messages);
    }

    [Fact]
    public void RecvAndSendLimits_DefaultToMaxPayloadLen_AndOverrideIt()
    {
        var options = new ServerOptions { MaxPayloadLen = 1000, MaxRecvLen = 200 };
        Assert.Equal((200, 1000), (options.EffectiveMaxRecvLen, options.EffectiveMaxSendLen));
    }

    [Fact]
    public void ShippedAkkaHocon_DocumentsExactlyTheDefaults()
    {
        var config = ConfigurationFactory.ParseString(File.ReadAllText(HoconPath));
        // Two differences on purpose: the service checks Origin (allowed-origins = []) and negotiates
        // permessage-deflate (compression.enabled = on); the library, like the seed, does neither
        // unless told to. The compression section holds CompressionOptions' own defaults.
        Assert.Equal(new ServerOptions { Origins = Cosocket.Actors.Security.OriginPolicy.SameOrigin, Compression = new CompressionOptions() },
            ServerOptions.FromConfig(config.GetConfig("cosocket.server")));
        Assert.Equal(CompressionContexts.DefaultMaxContexts, config.GetInt("cosocket.server.compression.max-contexts"));
        Assert.Equal(CompressionContexts.DefaultMaxInflaters, config.GetInt("cosocket.server.compression.max-inflaters"));
    }

    [Fact]
    public void CompressionConfig_OverridesEachKey_AndOffIsNone()
    {
        var config = ConfigurationFactory.ParseString("""
            compression {
              enabled = on
              server-no-context-takeover = off
              client-no-context-takeover = off
              server-max-window-bits = 10
              client-max-window-bits = 9
              level = 1
              memory-level = 4
              threshold = 512
            }
            """);
        var compression = ServerOptions.FromConfig(config).Compression;
        Assert.Equal(new CompressionOptions
        {
            ServerNoContextTakeover = false, ClientNoContextTakeover = false, ServerMaxWindowBits = 10, ClientMaxWindowBits = 9,
            Level = 1, MemoryLevel = 4, Threshold = 512,
        }, compression);
        Assert.Null(ServerOptions.FromConfig(ConfigurationFactory.ParseString("compression { enabled = off }")).Compression);
        Assert.Null(ServerOptions.FromConfig(ConfigurationFactory.ParseString("timeout = 1s")).Compression);
    }

    [Theory]
    [InlineData("server-max-window-bits = 16", "cosocket.server: compression: window bits must be between 8 and 15")]
    [InlineData("client-max-window-bits = 7", "cosocket.server: compression: window bits must be between 8 and 15")]
    [InlineData("level = 0", "cosocket.server: compression: level must be between 1 and 9")]
    [InlineData("memory-level = 10", "cosocket.server: compression: memory level must be between 1 and 9")]
    [InlineData("threshold = -1", "cosocket.server: compression: threshold must not be negative")]
    public void CompressionConfig_OutOfRange_IsRefusedAtStart(string line, string error)
    {
        var config = ConfigurationFactory.ParseString($"compression {{ enabled = on, {line} }}");
        Assert.Equal(error, Assert.Throws<ConfigurationException>(() => ServerOptions.FromConfig(config)).Message);
    }

    [Fact]
    public void Config_OverridesEachKey()
    {
        var config = ConfigurationFactory.ParseString("""
            timeout = 1500ms
            max-payload-len = 1048577
            max-recv-len = 200
            max-send-len = "300"
            send-masked = on
            protocols = [chat, json]
            max-header-len = 8192
            handshake-timeout = 2s
            close-timeout = 250ms
            max-outgoing-bytes = 65536
            dead-peer-timeout = 2m
            allowed-origins = ["https://app.example.com"]
            rate-limit { messages-per-second = 50, bytes-per-second = 65536, policy = close }
            """);
        var options = ServerOptions.FromConfig(config);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), options.Timeout);
        Assert.Equal((1048577L, 200L, 300L), (options.MaxPayloadLen, options.EffectiveMaxRecvLen, options.EffectiveMaxSendLen));
        Assert.True(options.SendMasked);
        Assert.Equal(["https://app.example.com"], options.Origins.AllowedOrigins.ToArray());
        Assert.Equal(new RateLimitOptions(50, 65536, RateLimitPolicy.Close), options.RateLimit);
        Assert.Equal(["chat", "json"], options.Protocols!);
        Assert.Equal((8192, TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(250)), (options.MaxHeaderLen, options.HandshakeTimeout, options.CloseTimeout));
        Assert.Equal(65536, options.MaxOutgoingBytes);
        Assert.Equal(TimeSpan.FromMinutes(2), options.DeadPeerTimeout);
        Assert.Null(ServerOptions.FromConfig(ConfigurationFactory.ParseString("dead-peer-timeout = off")).DeadPeerTimeout);
    }

    [Theory]
    [InlineData("max-payload-len = -1", "must not be negative")]
    [InlineData("max-recv-len = lots", "is not a number of bytes")]
    [InlineData("max-header-len = 0", "max_header_len must be positive")]
    [InlineData("handshake-timeout = 0s", "handshake_timeout must be positive")]
    [InlineData("max-outgoing-bytes = 0", "max_outgoing_bytes must be positive")]
    [InlineData("dead-peer-timeout = 2s", "dead_peer_timeout must be at least 8 s")]
    [InlineData("messages.max-message-len = 0", "max_message_len must be positive")]
    [InlineData("messages.pong-timeout = 0s", "pong_timeout must be positive")]
    public void BadConfig_FailsWithAClearMessage(string hocon, string message)
    {
        var error = Assert.Throws<ConfigurationException>(() => ServerOptions.FromConfig(ConfigurationFactory.ParseString(hocon)));
        Assert.Contains(message, error.Message);
        Assert.StartsWith("cosocket.server", error.Message);
    }

    [Fact] // D6: the client's default is the documented 65536; the server keeps the original's 65535
    public void DefaultMaxPayloadLen_Client65536_Server65535() =>
        Assert.Equal((65536L, 65535L), (new Cosocket.Actors.Client.ClientOptions().MaxPayloadLen, new ServerOptions().MaxPayloadLen));
}
