using Cosocket.Host;
using Microsoft.Extensions.Hosting;

// cosocket [serve] [--listen HOST:PORT] [--config FILE]: runs the service until SIGTERM or Ctrl-C.
// cosocket connect URL [...]: a command-line client (see ConnectCommand).
if (args.Length > 0 && args[0] == "connect")
    return await ConnectCommand.RunAsync(args[1..], Console.In, Console.Out, Console.Error);

string[] options = args.Length > 0 && args[0] == "serve" ? args[1..] : args;
if (options.Length % 2 != 0 || options.Where((_, i) => i % 2 == 0).Any(name => name is not ("--listen" or "--config")))
{
    Console.Error.WriteLine("usage: cosocket [serve] [--listen HOST:PORT] [--config FILE]");
    Console.Error.WriteLine(ConnectCommand.Usage);
    return 2;
}
await CosocketHost.CreateBuilder(options).Build().RunAsync();
return 0;
