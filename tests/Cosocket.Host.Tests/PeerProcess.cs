using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Cosocket.Host.Tests;

/// <summary>A program run by a test: a third-party WebSocket peer, or the cosocket executable itself.</summary>
internal sealed class PeerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource<string> _watched = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _watchFor;

    private PeerProcess(Process process) => _process = process;

    /// <summary>The operating system's id of the process.</summary>
    public int Id => _process.Id;

    /// <summary>The folder of the interop peers (tests/interop), found upwards from the test binaries.</summary>
    public static string InteropDirectory
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "tests", "interop");
                if (File.Exists(Path.Combine(candidate, "package.json")))
                    return candidate;
            }
            throw new DirectoryNotFoundException("tests/interop not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>The repository's root folder.</summary>
    public static string RepositoryRoot => Path.GetDirectoryName(Path.GetDirectoryName(InteropDirectory)!)!;

    /// <summary>The <c>cosocket</c> executable as the Host project built it (same configuration as the tests).</summary>
    public static string CosocketExecutable
    {
        get
        {
            // The tests run from tests/<project>/bin/<configuration>/net10.0/.
            string configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
            string root = Path.GetDirectoryName(InteropDirectory)!;
            return Path.Combine(Path.GetDirectoryName(root)!, "src", "Host", "bin", configuration, "net10.0", "cosocket");
        }
    }

    /// <summary>The first output line containing the watched text, or a failure that shows all the output.</summary>
    public async Task<string> WaitForWatchedAsync(TimeSpan timeout)
    {
        try
        {
            return await _watched.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"\"{_watchFor}\" not seen in {timeout}; output:\n{Output}");
        }
    }

    public static PeerProcess Start(string fileName, IEnumerable<string> arguments, string? workingDirectory = null, string? watchFor = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            info.Environment[name] = value;
        foreach (string argument in arguments)
            info.ArgumentList.Add(argument);
        var process = new Process { StartInfo = info };
        var peer = new PeerProcess(process) { _watchFor = watchFor };
        process.OutputDataReceived += (_, e) => peer.OnLine(peer._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => peer.OnLine(peer._stderr, e.Data);
        if (watchFor is not null)
        {
            // A peer that ends before saying what is watched for fails the wait at once, with its output.
            process.EnableRaisingEvents = true;
            process.Exited += (_, _) =>
            {
                process.WaitForExit(); // drains the redirected output: the watched line may be in it
                peer._watched.TrySetException(new InvalidOperationException(
                    $"{fileName} exited with {process.ExitCode} before \"{watchFor}\"; output:\n{peer.Output}"));
            };
        }
        if (!process.Start())
            throw new InvalidOperationException("could not start " + fileName);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return peer;
    }

    /// <summary>Runs a peer to its end; a peer that outlives <paramref name="timeout"/> is killed and the test fails.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null)
    {
        using var peer = Start(fileName, arguments, workingDirectory);
        int exitCode = await peer.WaitForExitAsync(timeout);
        return (exitCode, peer.Output);
    }

    public string Output
    {
        get
        {
            lock (_stdout)
                return _stdout + (_stderr.Length > 0 ? "\nstderr:\n" + _stderr : "");
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{_process.StartInfo.FileName} did not finish in {timeout}:\n{Output}");
        }
        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: the process dies at once, without closing anything.</summary>
    public void KillHard() => _process.Kill(entireProcessTree: true);

    /// <summary>Sends SIGTERM, as a service manager does to stop a service.</summary>
    public void Terminate()
    {
        if (Kill(_process.Id, 15) != 0)
            throw new InvalidOperationException("kill(SIGTERM) failed: " + Marshal.GetLastPInvokeError());
    }

    private void OnLine(StringBuilder sink, string? line)
    {
        if (line is null)
            return;
        lock (_stdout)
            sink.AppendLine(line);
        if (_watchFor is not null && line.Contains(_watchFor, StringComparison.Ordinal))
            _watched.TrySetResult(line);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
