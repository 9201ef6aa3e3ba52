using Cosocket.Host;

// cosocket [serve] [options] | cosocket connect URL [options] | cosocket token --user U [options]:
// see Cli (cosocket --help).
return await Cli.RunAsync(args, Console.In, Console.Out, Console.Error);
