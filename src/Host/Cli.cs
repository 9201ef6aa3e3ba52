using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Cosocket.Host;

/// <summary>
/// The <c>cosocket</c> command line (System.CommandLine): <c>serve</c> (also what runs with no
/// subcommand), <c>connect</c> and <c>token</c>, options in any order, <c>--help</c> and
/// <c>--version</c> on standard output.
/// </summary>
/// <remarks>
/// Exit codes: 0 success (and <c>--help</c>, <c>--version</c>); 1 the work failed (a port taken, a
/// connection refused, a peer breaking the protocol, no JWT secret configured); 2 bad arguments, each
/// named on standard error.
/// </remarks>
public static class Cli
{
    public const int Failed = 1;
    public const int BadArguments = 2;

    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter errors)
    {
        var root = new RootCommand("Cosocket: a WebSocket service on Akka.NET, a WebSocket client, and a token helper.");
        // Our --version prints "cosocket X.Y.Z"; the built-in one would print the build metadata too.
        foreach (var builtIn in root.Options.OfType<VersionOption>().ToArray())
            root.Options.Remove(builtIn);
        var version = new Option<bool>("--version") { Description = "Print the version and exit." };
        root.Options.Add(version);

        var (serveOptions, serveArgs) = ServeOptions();
        foreach (var option in serveOptions)
            root.Options.Add(option);
        root.SetAction((parse, cancel) => parse.GetValue(version)
            ? Task.FromResult(PrintVersion(output))
            : ServeAsync(serveArgs(parse), errors));

        var serve = new Command("serve", "Run the service until SIGTERM or Ctrl-C (the default command).");
        var (ownServeOptions, ownServeArgs) = ServeOptions();
        foreach (var option in ownServeOptions)
            serve.Options.Add(option);
        serve.SetAction((parse, cancel) => ServeAsync(ownServeArgs(parse), errors));
        root.Subcommands.Add(serve);
        root.Subcommands.Add(ConnectCommand.Command(input, output, errors));
        root.Subcommands.Add(TokenCommand.Command(output, errors));

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            string name = parsed.CommandResult.Command == root ? "cosocket" : "cosocket " + parsed.CommandResult.Command.Name;
            foreach (var error in parsed.Errors)
                await errors.WriteLineAsync($"{name}: {error.Message}");
            await errors.WriteLineAsync($"({name} --help lists the options)");
            return BadArguments;
        }
        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = errors });
    }

    /// <summary>The option's file must exist; the error names the option and the file.</summary>
    internal static Option<FileInfo> MustExist(this Option<FileInfo> option)
    {
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<FileInfo?>() is { Exists: false } file)
                result.AddError($"{option.Name}: no such file: {file}");
        });
        return option;
    }

    private static int PrintVersion(TextWriter output)
    {
        output.WriteLine("cosocket " + CosocketHost.Version);
        return 0;
    }

    /// <summary>The options of <c>serve</c>, and how to turn them back into <see cref="CosocketHost.CreateBuilder"/>'s arguments.</summary>
    private static (Option[] Options, Func<ParseResult, string[]> Arguments) ServeOptions()
    {
        var listen = new Option<string>("--listen") { Description = "The WebSocket listener, HOST:PORT (cosocket.listen).", HelpName = "HOST:PORT" };
        var httpListen = new Option<string>("--http-listen") { Description = "The HTTP side, HOST:PORT (cosocket.http.listen).", HelpName = "HOST:PORT" };
        var config = new Option<FileInfo>("--config") { Description = "A HOCON file whose keys override akka.hocon's.", HelpName = "FILE" };
        config.MustExist();
        var clusterHost = new Option<string>("--cluster-host") { Description = "The address Akka.Remote binds.", HelpName = "HOST" };
        var clusterPort = new Option<int?>("--cluster-port") { Description = "Akka.Remote's port (0: any free port).", HelpName = "PORT" };
        var seedNodes = new Option<string[]>("--seed-node") { Description = "A seed node, HOST:PORT; repeatable.", HelpName = "HOST:PORT" };
        string[] Arguments(ParseResult parse)
        {
            var args = new List<string>();
            void Add(string name, string? value)
            {
                if (value is not null)
                    args.AddRange([name, value]);
            }
            Add("--listen", parse.GetValue(listen));
            Add("--http-listen", parse.GetValue(httpListen));
            Add("--config", parse.GetValue(config)?.FullName);
            Add("--cluster-host", parse.GetValue(clusterHost));
            Add("--cluster-port", parse.GetValue(clusterPort)?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            foreach (string seed in parse.GetValue(seedNodes) ?? [])
                Add("--seed-node", seed);
            return [.. args];
        }
        return ([listen, httpListen, config, clusterHost, clusterPort, seedNodes], Arguments);
    }

    private static async Task<int> ServeAsync(string[] arguments, TextWriter errors)
    {
        IHost host;
        try
        {
            host = CosocketHost.CreateBuilder(arguments).Build();
        }
        catch (Akka.Configuration.ConfigurationException bad)
        {
            await errors.WriteLineAsync("cosocket: " + bad.Message);
            return BadArguments;
        }
        using (host)
        {
            if (PortCheck.FindConflict(host.Services.GetRequiredService<HostSettings>()) is { } conflict)
            {
                await errors.WriteLineAsync("cosocket: " + conflict);
                return Failed;
            }
            await host.RunAsync();
            return 0;
        }
    }
}
