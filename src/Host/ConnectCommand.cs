using System.CommandLine;
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
    /// <summary>The largest message received by default: 16 MiB, what the host's <c>/echo</c> takes.</summary>
    public const int DefaultMaxMessageSize = 16 << 20;

    private sealed record Arguments(string Url, ConnectOptions Options, bool Echo, int MaxMessageSize, bool Compression);

    /// <summary><c>cosocket connect</c> with <paramref name="args"/> (what follows the subcommand).</summary>
    /// <returns>0 after a clean close (or <c>--help</c>), 1 when the connection fails, 2 for bad arguments.</returns>
    public static Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter errors) =>
        Cli.RunAsync(["connect", .. args], input, output, errors);

    internal static Command Command(TextReader input, TextWriter output, TextWriter errors)
    {
        var url = new Argument<string>("URL") { Description = "ws://, wss:// or ws://unix:/path.sock:/path" };
        var protocols = new Option<string[]>("--protocol") { Description = "A subprotocol to offer; repeatable.", HelpName = "P" };
        var headers = new Option<string[]>("--header") { Description = "A request header line; repeatable.", HelpName = "\"Name: value\"" };
        var token = new Option<string>("--token") { Description = "Sent as Authorization: Bearer T.", HelpName = "T" };
        var origin = new Option<string>("--origin") { Description = "The Origin header.", HelpName = "O" };
        var host = new Option<string>("--host") { Description = "The Host header (and SNI, unless --server-name).", HelpName = "H" };
        var serverName = new Option<string>("--server-name") { Description = "The TLS server name (SNI).", HelpName = "S" };
        var insecure = new Option<bool>("--insecure") { Description = "Do not verify the server's certificate." };
        var ca = new Option<FileInfo>("--ca") { Description = "Trust the certificates of this PEM file instead of the system's.", HelpName = "FILE" };
        var cert = new Option<FileInfo>("--cert") { Description = "A client certificate (PEM), with --key.", HelpName = "FILE" };
        var key = new Option<FileInfo>("--key") { Description = "The client certificate's private key (PEM).", HelpName = "FILE" };
        var maxMessageSize = new Option<int>("--max-message-size")
        {
            Description = "The largest message received, in bytes.", HelpName = "BYTES", DefaultValueFactory = _ => DefaultMaxMessageSize,
        };
        var echo = new Option<bool>("--echo") { Description = "Send every message received back, until the peer closes." };
        var noCompression = new Option<bool>("--no-compression") { Description = "Do not offer permessage-deflate (offered by default)." };
        foreach (var file in new[] { ca, cert, key })
            file.MustExist();
        maxMessageSize.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() <= 0)
                result.AddError("--max-message-size must be a positive number of bytes");
        });
        var command = new Command("connect", "A WebSocket client, like wscat: each line of input is sent as a text message, each message received is printed.")
        {
            url, protocols, headers, token, origin, host, serverName, insecure, ca, cert, key, maxMessageSize, echo, noCompression,
        };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(cert) is null) != (result.GetValue(key) is null))
                result.AddError("--cert and --key go together");
        });
        command.SetAction(async (parse, cancel) =>
        {
            X509Certificate2Collection? trusted = null;
            if (parse.GetValue(ca) is { } caFile)
            {
                try
                {
                    trusted = LoadCertificates(caFile.FullName);
                }
                catch (System.Security.Cryptography.CryptographicException bad)
                {
                    await errors.WriteLineAsync($"cosocket connect: --ca: {caFile} holds no PEM certificate: {bad.Message}");
                    return Cli.BadArguments;
                }
            }
            var lines = (parse.GetValue(headers) ?? []).ToList();
            if (parse.GetValue(token) is { } bearer)
                lines.Add("Authorization: Bearer " + bearer);
            var protocolList = parse.GetValue(protocols) ?? [];
            var options = new ConnectOptions
            {
                Protocols = protocolList.Length > 0 ? protocolList : null,
                Headers = lines.Count > 0 ? lines : null,
                Origin = parse.GetValue(origin),
                Host = parse.GetValue(host),
                ServerName = parse.GetValue(serverName),
                SslVerify = !parse.GetValue(insecure),
                SslTrustedCertificates = trusted,
                ClientCert = parse.GetValue(cert) is { } certFile ? await File.ReadAllTextAsync(certFile.FullName, cancel) : null,
                ClientPrivKey = parse.GetValue(key) is { } keyFile ? await File.ReadAllTextAsync(keyFile.FullName, cancel) : null,
            };
            var arguments = new Arguments(parse.GetValue(url)!, options, parse.GetValue(echo), parse.GetValue(maxMessageSize), !parse.GetValue(noCompression));
            var system = ActorSystem.Create("cosocket-connect", ConfigurationFactory.ParseString("akka.loglevel = WARNING"));
            try
            {
                return await RunAsync(system, arguments, input, output, errors);
            }
            finally
            {
                await system.Terminate();
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(ActorSystem system, Arguments arguments, TextReader input, TextWriter output, TextWriter errors)
    {
        var (client, _) = WebSocketClient.New(system, new ClientOptions
        {
            Timeout = TimeSpan.FromSeconds(10),
            MaxPayloadLen = arguments.MaxMessageSize,
            Messages = new MessageOptions { MaxMessageLen = arguments.MaxMessageSize },
            // The message layer's client: compression offered at CompressionOptions' defaults, as the host's endpoints accept it.
            Compression = arguments.Compression ? new CompressionOptions() : null,
        });
        var (ok, err, _) = await client!.ConnectAsync(arguments.Url, arguments.Options);
        if (ok is null)
        {
            await errors.WriteLineAsync(err);
            return 1;
        }
        client.SetTimeout(0); // an interactive session waits as long as it takes
        await errors.WriteLineAsync(client.Compression is { } deflate
            ? $"connected to {arguments.Url} (permessage-deflate: {(deflate.ServerNoContextTakeover && deflate.ClientNoContextTakeover ? "no context takeover" : "context takeover")})"
            : $"connected to {arguments.Url}");

        using var sending = new SemaphoreSlim(1); // one send at a time (D10): typed lines and echoes
        async Task<bool> Send(Func<Task<Actors.Connections.SendResult>> send)
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
            // Told to the connection, not the close handshake's call, which would take the read side
            // between two of the receive loop's receives (its next one then finds the side busy):
            // only the loop reads, and it reports the server's answer.
            if (!receiving.IsCompleted)
                client.Connection?.Tell(new Actors.Connections.CloseConnection(CloseStatus.NormalClosure));
        }
        int exitCode = await receiving;
        var connection = client.Connection;
        await client.CloseAsync();
        // What is still queued (the close frame of a connection this side failed) is written before
        // the actor system goes: the connection's actor stops once the connection has ended, which
        // the close timeout bounds.
        if (connection is not null)
        {
            try
            {
                await connection.WatchAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                // Cut when the actor system stops.
            }
        }
        return exitCode;
    }

    private static async Task<int> ReceiveAsync(WebSocketClient client, bool echo, TextWriter output, TextWriter errors,
        Func<Func<Task<Actors.Connections.SendResult>>, Task<bool>> send)
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
}
