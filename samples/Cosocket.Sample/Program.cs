using Cosocket.Sample;

// An ASP.NET Core application with Cosocket: an echo and a chat endpoint, a page, and a controller
// that sends to users. Run it with `dotnet run --project samples/Cosocket.Sample` and open the
// address it prints.
await SampleApp.Build(args).RunAsync();
