using System.Security.Cryptography.X509Certificates;
using System.Text;
using Akka.Actor;
using Akka.Configuration;
using Cosocket.Actors.Client;
using Cosocket.Actors.Connections;
using Cosocket.Protocol;

namespace Cosocket.Host;

/// <summary>
/// <c>cosocket connect URL</c>: a command-line WebSocket client, like wscat, on the message layer.
/// Each line read from standard input is sent as a text message; every message received is printed
/// (text as it is, binary as hex, or as a byte count past 64 bytes); pings are answered; at the end of
/// input the close handshake runs. With <c>--echo</c> every message received is sent back until the
/// peer closes. A peer that breaks RFC 6455 is closed with the right code and the error printed. A
/// failed connect prints the seed's error and exits 1; bad arguments exit 2.
/// </summary>
public static class ConnectCommand
{
    public const string Usage = "usage: cosocket connect URL [--protocol P]... [--header \"Name: value\"]... [--token T] [--origin O] [--host H] " +
        "[--server-name S] [--insecure] [--ca FILE] [--cert FILE --key FILE] [--max-message-size BYTES] [--echo]";

    /// <summary>The largest message received by default: 16 MiB, what the host's <c>/echo</c> takes.</summary>
    public const int DefaultMaxMessageSize = 16 << 20;

    private sealed record Arguments(string Url, ConnectOptions Options, bool Echo, int MaxMessageSize);

    /// <returns>0 after a clean close (or <c>--help</c>), 1 when the connection fails, 2 for bad arguments.</returns>
    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter errors)
    {
        if (args is ["--help"] or ["-h"])
        {
            await output.WriteLineAsync(Usage);
            return 0;
        }
        var (arguments, error) = Parse(args);
        if (arguments is null)
        {
            await errors.WriteLineAsync($"cosocket connect: {error}");
            await errors.WriteLineAsync(Usage);
            return 2;
        }
        var system = ActorSystem.Create("cosocket-connect", ConfigurationFactory.ParseString("akka.loglevel = WARNING"));
        try
        {
            return await RunAsync(system, arguments, input, output, errors);
        }
        finally
        {
            await system.Terminate();
        }
    }

    private static async Task<int> RunAsync(ActorSystem system, Arguments arguments, TextReader input, TextWriter output, TextWriter errors)
    {
        var (client, _) = WebSocketClient.New(system, new ClientOptions
        {
            Timeout = TimeSpan.FromSeconds(10),
            MaxPayloadLen = arguments.MaxMessageSize,
            Messages = new MessageOptions { MaxMessageLen = arguments.MaxMessageSize },
        });
        var (ok, err, _) = await client!.ConnectAsync(arguments.Url, arguments.Options);
        if (ok is null)
        {
            await errors.WriteLineAsync(err);
            return 1;
        }
        client.SetTimeout(0); // an interactive session waits as long as it takes
        await errors.WriteLineAsync($"connected to {arguments.Url}");

        using var sending = new SemaphoreSlim(1); // one send at a time (D10): typed lines and echoes
        async Task<bool> Send(Func<Task<Actors.Server.SendResult>> send)
        {
            await sending.WaitAsync();
            try
            {
                var (bytes, sendError) = await send();
                if (bytes is null)
                    await errors.WriteLineAsync(sendError);
                return bytes is not null;
            }
            finally
            {
                sending.Release();
            }
        }

        var receiving = ReceiveAsync(client, arguments.Echo, output, errors, Send);
        if (!arguments.Echo)
        {
            string? line;
            while (!receiving.IsCompleted && (line = await input.ReadLineAsync()) is not null)
            {
                if (!await Send(() => client.SendMessageAsync(line)))
                    return 1;
            }
            if (!receiving.IsCompleted)
                await client.CloseHandshakeAsync(CloseStatus.NormalClosure); // the receive loop reports the answer
        }
        int exitCode = await receiving;
        await client.CloseAsync();
        return exitCode;
    }

    private static async Task<int> ReceiveAsync(WebSocketClient client, bool echo, TextWriter output, TextWriter errors,
        Func<Func<Task<Actors.Server.SendResult>>, Task<bool>> send)
    {
        while (true)
        {
            var message = await client.ReceiveMessageAsync();
            if (message.IsError)
            {
                await errors.WriteLineAsync(message.CloseCode is { } sent ? $"{message.Err} (closed with {sent})" : message.Err);
                return 1;
            }
            if (message.Type == MessageResult.CloseType)
            {
                await errors.WriteLineAsync($"closed: {message.CloseCode?.ToString() ?? "no code"} {message.Text}".TrimEnd());
                return 0;
            }
            await output.WriteLineAsync(message.Type == MessageResult.BinaryType ? Describe(message.Data!) : message.Text);
            await output.FlushAsync();
            if (echo)
                await send(() => client.SendMessageAsync(message));
        }
    }

    private static X509Certificate2Collection LoadCertificates(string pemFile)
    {
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPemFile(pemFile);
        return certificates;
    }

    private static string Describe(byte[] data) =>
        data.Length <= 64 ? Convert.ToHexString(data) : $"<{data.Length} bytes>";

    /// <summary>The arguments, in any order: the URL and the options; or the reason they are not usable.</summary>
    private static (Arguments? Arguments, string? Error) Parse(string[] args)
    {
        var protocols = new List<string>();
        var headers = new List<string>();
        string? url = null, origin = null, host = null, serverName = null, ca = null, cert = null, key = null, token = null;
        int maxMessageSize = DefaultMaxMessageSize;
        bool echo = false, insecure = false;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] is "--echo" or "--insecure")
            {
                echo |= args[i] == "--echo";
                insecure |= args[i] == "--insecure";
                continue;
            }
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                if (url is not null)
                    return (null, $"one URL only: \"{url}\", then \"{args[i]}\"");
                url = args[i];
                continue;
            }
            if (i + 1 >= args.Length)
                return (null, $"{args[i]} needs a value");
            string value = args[++i];
            switch (args[i - 1])
            {
                case "--protocol": protocols.Add(value); break;
                case "--header": headers.Add(value); break;
                case "--origin": origin = value; break;
                case "--host": host = value; break;
                case "--server-name": serverName = value; break;
                case "--ca": ca = value; break;
                case "--cert": cert = value; break;
                case "--key": key = value; break;
                case "--token": token = value; break;
                case "--max-message-size" when int.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out maxMessageSize) && maxMessageSize > 0:
                    break;
                case "--max-message-size": return (null, $"--max-message-size: \"{value}\" is not a positive number of bytes");
                default: return (null, $"unknown option {args[i - 1]}");
            }
        }
        if (url is null)
            return (null, "no URL");
        if ((cert is null) != (key is null))
            return (null, "--cert and --key go together");
        foreach (var (option, file) in new[] { ("--ca", ca), ("--cert", cert), ("--key", key) })
        {
            if (file is not null && !File.Exists(file))
                return (null, $"{option}: no such file: {file}");
        }
        X509Certificate2Collection? trusted;
        try
        {
            trusted = ca is null ? null : LoadCertificates(ca);
        }
        catch (System.Security.Cryptography.CryptographicException bad)
        {
            return (null, $"--ca: {ca} holds no PEM certificate: {bad.Message}");
        }
        if (token is not null)
            headers.Add("Authorization: Bearer " + token);
        var options = new ConnectOptions
        {
            Protocols = protocols.Count > 0 ? protocols : null,
            Headers = headers.Count > 0 ? headers : null,
            Origin = origin,
            Host = host,
            ServerName = serverName,
            SslVerify = !insecure,
            SslTrustedCertificates = trusted,
            ClientCert = cert is null ? null : File.ReadAllText(cert),
            ClientPrivKey = key is null ? null : File.ReadAllText(key),
        };
        return (new Arguments(url, options, echo, maxMessageSize), null);
    }
}
