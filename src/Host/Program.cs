using Cosocket.Host;
using Microsoft.Extensions.Hosting;

// cosocket [serve] [options]: runs the service until SIGTERM or Ctrl-C (see CosocketHost.ServeUsage).
// cosocket connect URL [...]: a command-line client (see ConnectCommand).
if (args.Length > 0 && args[0] == "connect")
    return await ConnectCommand.RunAsync(args[1..], Console.In, Console.Out, Console.Error);

string[] options = args.Length > 0 && args[0] == "serve" ? args[1..] : args;
if (CosocketHost.ParseArguments(options) is null)
{
    Console.Error.WriteLine(CosocketHost.ServeUsage);
    Console.Error.WriteLine(ConnectCommand.Usage);
    return 2;
}
await CosocketHost.CreateBuilder(options).Build().RunAsync();
return 0;
