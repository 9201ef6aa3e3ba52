namespace Cosocket.Host.Tests;

/// <summary>
/// The packages as a user gets them: <c>dotnet pack</c> into a local feed (from the build these tests
/// run on: no second build), <c>dotnet tool install</c> from it into a temporary tool path, and the
/// installed <c>cosocket</c> run as a newcomer would.
/// </summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class PackageTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private readonly string _root = Directory.CreateTempSubdirectory("cosocket-pack").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static string Configuration => new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;

    private static async Task<string> RunAsync(string program, params string[] arguments)
    {
        var (exitCode, output) = await PeerProcess.RunAsync(program, arguments, Patience, PeerProcess.RepositoryRoot);
        Assert.True(exitCode == 0, $"{program} {string.Join(' ', arguments)} exited with {exitCode}:\n{output}");
        return output;
    }

    [Fact]
    public async Task PackedTool_Installs_PrintsItsVersion_AndConnects()
    {
        string feed = Path.Combine(_root, "feed"), tools = Path.Combine(_root, "tools");
        foreach (string project in new[] { "src/Protocol", "src/Actors", "src/Host" })
            await RunAsync("dotnet", "pack", project, "--no-build", "-c", Configuration, "-o", feed);
        Assert.Contains(Directory.GetFiles(feed, "*.nupkg").Select(Path.GetFileName), name => name!.StartsWith("Cosocket.Protocol.", StringComparison.Ordinal));
        Assert.Contains(Directory.GetFiles(feed, "*.nupkg").Select(Path.GetFileName), name => name!.StartsWith("Cosocket.Actors.", StringComparison.Ordinal));

        await RunAsync("dotnet", "tool", "install", "Cosocket.Tool", "--tool-path", tools, "--add-source", feed, "--version", CosocketHost.Version);
        string cosocket = Path.Combine(tools, "cosocket");
        Assert.Equal("cosocket " + CosocketHost.Version, (await RunAsync(cosocket, "--version")).Trim());

        await using var host = await RunningHost.StartAsync();
        // A line in, the echo out, then the end of input closes the connection: exit 0.
        string output = await RunAsync("sh", "-c", "printf 'hello\\n' | exec \"$0\" connect \"$1\"", cosocket, host.Uri("/echo").ToString());
        Assert.StartsWith("hello\n", output, StringComparison.Ordinal);
        Assert.Contains("closed: 1000", output, StringComparison.Ordinal);
    }
}
