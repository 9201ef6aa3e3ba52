using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Cosocket.Bench -- --filter '*' [BenchmarkDotNet options]
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
