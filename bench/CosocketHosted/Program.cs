using Akka.Configuration;
using Cosocket.Actors.Server;
using Cosocket.AspNetCore;
using Cosocket.Host.Endpoints;

// The load benchmark's hosted front door: the cosocket host's /echo handler, with the host's server
// options (its akka.hocon), mapped with MapCosocket on Kestrel instead of the standalone listener.
// Usage: CosocketHosted --urls http://127.0.0.1:PORT
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var config = ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "akka.hocon")));
var options = ServerOptions.FromConfig(config.GetConfig("cosocket.server"));
builder.Services.AddCosocket(cosocket => cosocket.Server = options);
var app = builder.Build();
app.MapCosocket("/echo", EchoEndpoint.Handler(options, config.GetLong("cosocket.echo.max-message-len")));
app.Run();
