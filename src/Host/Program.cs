using Cosocket.Host;
using Microsoft.Extensions.Hosting;

// cosocket [serve]: runs the service until SIGTERM or Ctrl-C.
if (args.Length > 1 || (args.Length == 1 && args[0] != "serve"))
{
    Console.Error.WriteLine("usage: cosocket [serve]");
    return 2;
}
await CosocketHost.CreateBuilder([]).Build().RunAsync();
return 0;
