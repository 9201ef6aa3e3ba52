namespace Cosocket.LoadGen;

/// <summary>Opens N connections that say nothing, for measuring what an idle connection costs a server.</summary>
internal static class IdleRun
{
    public static async Task RunAsync(Options options)
    {
        var connections = new List<Connection>(options.Connections);
        using var opening = new SemaphoreSlim(200);
        var tasks = Enumerable.Range(0, options.Connections).Select(async _ =>
        {
            await opening.WaitAsync();
            try
            {
                var connection = await Connection.OpenAsync(options.Url);
                lock (connections)
                    connections.Add(connection);
            }
            finally
            {
                opening.Release();
            }
        });
        await Task.WhenAll(tasks);
        string hold = options.HoldFile ?? throw new ArgumentException("idle needs --hold-file");
        await File.WriteAllTextAsync(hold, $"ready {connections.Count}\n");
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (File.Exists(hold) && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        foreach (var connection in connections)
            await connection.DisposeAsync();
    }
}
