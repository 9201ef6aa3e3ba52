namespace Cosocket.LoadGen;

/// <summary>Opens N connections that say nothing, for measuring what an idle connection costs a
/// server; how fast they opened (TCP connect and the upgrade's 101, 200 at a time) is written to the
/// hold file as <c>connect_per_s</c>.</summary>
internal static class IdleRun
{
    public static async Task RunAsync(Options options)
    {
        var connections = new List<Connection>(options.Connections);
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var opening = new SemaphoreSlim(200);
        var tasks = Enumerable.Range(0, options.Connections).Select(async _ =>
        {
            await opening.WaitAsync();
            try
            {
                var connection = await Connection.OpenAsync(options.Url, options.Deflate);
                if (options.Deflate && !connection.Compressing)
                    throw new IOException("the server did not agree to permessage-deflate");
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
        double perSecond = connections.Count / started.Elapsed.TotalSeconds;
        await File.WriteAllTextAsync(hold, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"ready {connections.Count} connect_per_s={perSecond:F0}\n"));
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (File.Exists(hold) && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        foreach (var connection in connections)
            await connection.DisposeAsync();
    }
}
