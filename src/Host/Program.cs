using Cosocket.Host;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// cosocket [serve] [options]: runs the service until SIGTERM or Ctrl-C (see CosocketHost.ServeUsage).
// cosocket connect URL [...]: a command-line client (see ConnectCommand).
// cosocket token --user U [...]: a JWT signed with the configured secret (see TokenCommand).
if (args.Length > 0 && args[0] == "connect")
    return await ConnectCommand.RunAsync(args[1..], Console.In, Console.Out, Console.Error);
if (args.Length > 0 && args[0] == "token")
    return TokenCommand.Run(args[1..], Console.Out, Console.Error);
if (args is ["--version"])
{
    Console.WriteLine("cosocket " + CosocketHost.Version);
    return 0;
}
if (args is ["--help"] or ["-h"] or ["help"])
{
    Console.WriteLine(CosocketHost.ServeUsage);
    Console.WriteLine(ConnectCommand.Usage);
    Console.WriteLine(TokenCommand.Usage);
    return 0;
}

string[] options = args.Length > 0 && args[0] == "serve" ? args[1..] : args;
if (CosocketHost.ParseArguments(options) is null)
{
    Console.Error.WriteLine(CosocketHost.ServeUsage);
    Console.Error.WriteLine(ConnectCommand.Usage);
    Console.Error.WriteLine(TokenCommand.Usage);
    return 2;
}
using var host = CosocketHost.CreateBuilder(options).Build();
if (PortCheck.FindConflict(host.Services.GetRequiredService<HostSettings>()) is { } conflict)
{
    Console.Error.WriteLine("cosocket: " + conflict);
    return 1;
}
await host.RunAsync();
return 0;
