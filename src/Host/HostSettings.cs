using System.Collections.Immutable;
using System.Net;
using Akka.Configuration;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Security;
using Cosocket.Actors.Server;
using Microsoft.Extensions.Configuration;

namespace Cosocket.Host;

/// <summary>The service's own settings: where it listens and how its endpoints are sized.</summary>
/// <param name="Listen">The WebSocket listener's endpoint.</param>
/// <param name="EchoMaxMessageLen">The largest message, and frame, <c>/echo</c> takes.</param>
/// <param name="DrainTimeout">On shutdown, how long connections have to answer close 1001.</param>
/// <param name="Tls">When a certificate is configured, the listener serves <c>wss://</c>.</param>
/// <param name="HttpListen">Where Kestrel serves the chat page, the publish API and health.</param>
/// <param name="ApiToken">The bearer token the publish API requires; empty disables the API.</param>
/// <param name="Cluster">How this node joins its cluster.</param>
/// <param name="HttpMaxBodyLen">The largest body the publish API takes (a message's largest size).</param>
/// <param name="Jwt">How tokens are validated; null when no key is configured (then only the static token opens anything).</param>
/// <param name="Addressing">What authenticated connections may address beside what their tokens grant.</param>
/// <param name="AddressingRateLimit">The rate limit of <c>/connect</c> and <c>/chat</c>, whose messages reach other people.</param>
/// <param name="StandaloneFrontDoor">WebSockets on Cosocket's own listener at <see cref="Listen"/> and the HTTP side
/// on Kestrel at <see cref="HttpListen"/> (two ports); false (the default): Kestrel serves both at
/// <see cref="Listen"/>, and at <see cref="HttpListen"/> too when that is another endpoint.</param>
public sealed record HostSettings(IPEndPoint Listen, long EchoMaxMessageLen, TimeSpan DrainTimeout, ServerTls? Tls = null,
    IPEndPoint? HttpListen = null, string ApiToken = "", ClusterSettings? Cluster = null, long HttpMaxBodyLen = HostSettings.DefaultHttpMaxBodyLen,
    JwtOptions? Jwt = null, AddressingPolicy? Addressing = null, RateLimitOptions? AddressingRateLimit = null, bool StandaloneFrontDoor = false)
{
    /// <summary>The default of <see cref="HttpMaxBodyLen"/>: 1 MiB, the message layer's <c>max-message-len</c>.</summary>
    public const long DefaultHttpMaxBodyLen = 1024 * 1024;

    /// <summary>
    /// Reads <c>cosocket.listen</c>, <c>cosocket.echo.max-message-len</c> and <c>cosocket.drain-timeout</c>
    /// from HOCON; <c>Cosocket:Listen</c> in <paramref name="overrides"/> (the environment variable
    /// <c>COSOCKET__LISTEN</c> or <c>--listen</c> on the command line) wins over the file.
    /// </summary>
    public static HostSettings From(Config config, IConfiguration overrides)
    {
        var listen = EndPoint(overrides["Cosocket:Listen"] ?? config.GetString("cosocket.listen"), "cosocket.listen");
        string http = overrides["Cosocket:Http:Listen"] ?? config.GetString("cosocket.http.listen", "");
        bool standalone = (overrides["Cosocket:FrontDoor"] ?? config.GetString("cosocket.front-door", "kestrel")) switch
        {
            "kestrel" => false,
            "standalone" => true,
            var other => throw new ConfigurationException($"cosocket.front-door: \"{other}\" is not kestrel or standalone"),
        };
        // One port: Kestrel serves the HTTP side where it serves WebSockets, unless told of another.
        IPEndPoint? httpListen = http.Length > 0 ? EndPoint(http, "cosocket.http.listen")
            : standalone ? new IPEndPoint(listen.Address, listen.Port == 0 ? 0 : listen.Port + 1000)
            : null;
        return new HostSettings(listen,
            config.GetLong("cosocket.echo.max-message-len"),
            config.GetTimeSpan("cosocket.drain-timeout"),
            TlsFrom(config),
            httpListen,
            overrides["Cosocket:Http:Token"] ?? config.GetString("cosocket.http.token", ""),
            ClusterSettings.From(config, overrides),
            config.GetLong("cosocket.http.max-body-len", DefaultHttpMaxBodyLen) is > 0 and var maxBody
                ? maxBody
                : throw new ConfigurationException("cosocket.http.max-body-len must be positive"),
            JwtFrom(config.GetConfig("cosocket.auth.jwt"), overrides["Cosocket:Auth:Jwt:Secret"]),
            AddressingFrom(config.GetConfig("cosocket.auth.grants")),
            RateLimitOptions.FromConfig(config.GetConfig("cosocket.rate-limit")),
            standalone);
    }

    /// <summary><c>cosocket.auth.jwt</c>; null when it names no key.</summary>
    private static JwtOptions? JwtFrom(Config? section, string? secretOverride)
    {
        if (section is null)
            return null;
        var defaults = new JwtOptions();
        string issuer = section.GetString("issuer", "");
        var options = new JwtOptions
        {
            HmacSecret = secretOverride ?? section.GetString("secret", ""),
            PublicKeyFiles = section.HasPath("public-keys") ? [.. section.GetStringList("public-keys")] : [],
            JwksFile = section.GetString("jwks", ""),
            Issuer = issuer.Length == 0 ? null : issuer,
            Audience = section.GetString("audience", defaults.Audience),
            ClockSkew = section.GetTimeSpan("clock-skew", defaults.ClockSkew),
        };
        return options.HasKeys ? options : null;
    }

    /// <summary><c>cosocket.auth.grants { subscribe, publish, send }</c>: patterns every authenticated connection has.</summary>
    private static AddressingPolicy AddressingFrom(Config? section)
    {
        if (section is null || section.IsEmpty)
            return AddressingPolicy.Default;
        ImmutableArray<string> Patterns(string key) => section.HasPath(key) ? [.. section.GetStringList(key)] : [];
        return AddressingPolicy.Default with
        {
            Everyone = ImmutableDictionary<AddressingOperation, ImmutableArray<string>>.Empty
                .Add(AddressingOperation.Subscribe, Patterns("subscribe"))
                .Add(AddressingOperation.Publish, Patterns("publish"))
                .Add(AddressingOperation.Send, Patterns("send")),
        };
    }

    private static IPEndPoint EndPoint(string? text, string key) => TryParseEndPoint(text, out var endPoint)
        ? endPoint
        : throw new ConfigurationException($"{key}: \"{text}\" is not HOST:PORT with an IP address or localhost");

    /// <summary><c>cosocket.tls.certificate</c>: a PEM certificate with <c>key</c>, or a PFX with <c>pfx-password</c>.</summary>
    private static ServerTls? TlsFrom(Config config)
    {
        string certificate = config.GetString("cosocket.tls.certificate", "");
        if (certificate.Length == 0)
            return null;
        string key = config.GetString("cosocket.tls.key", "");
        string password = config.GetString("cosocket.tls.pfx-password", "");
        try
        {
            return ServerTls.FromFiles(certificate, key.Length == 0 ? null : key, password.Length == 0 ? null : password);
        }
        catch (Exception bad) when (bad is IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"cosocket.tls: cannot load \"{certificate}\": {bad.Message}");
        }
    }

    private static bool TryParseEndPoint(string? text, out IPEndPoint endPoint)
    {
        endPoint = null!;
        if (string.IsNullOrEmpty(text))
            return false;
        if (text.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase))
            text = "127.0.0.1" + text["localhost".Length..];
        return IPEndPoint.TryParse(text, out endPoint!) && text.Contains(':');
    }
}
