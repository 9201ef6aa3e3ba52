using System.Net;
using Akka.Configuration;
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
public sealed record HostSettings(IPEndPoint Listen, long EchoMaxMessageLen, TimeSpan DrainTimeout, ServerTls? Tls = null,
    IPEndPoint? HttpListen = null, string ApiToken = "", ClusterSettings? Cluster = null, long HttpMaxBodyLen = HostSettings.DefaultHttpMaxBodyLen)
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
        return new HostSettings(listen,
            config.GetLong("cosocket.echo.max-message-len"),
            config.GetTimeSpan("cosocket.drain-timeout"),
            TlsFrom(config),
            http.Length > 0 ? EndPoint(http, "cosocket.http.listen") : new IPEndPoint(listen.Address, listen.Port == 0 ? 0 : listen.Port + 1000),
            overrides["Cosocket:Http:Token"] ?? config.GetString("cosocket.http.token", ""),
            ClusterSettings.From(config, overrides),
            config.GetLong("cosocket.http.max-body-len", DefaultHttpMaxBodyLen) is > 0 and var maxBody
                ? maxBody
                : throw new ConfigurationException("cosocket.http.max-body-len must be positive"));
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
