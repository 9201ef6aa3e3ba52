namespace Cosocket.Actors.Server;

/// <summary>
/// How many more connections the process can hold before the operating system's limit on open
/// files: the soft limit (<c>ulimit -n</c>), less what is open now, less <see cref="Reserve"/> for
/// what the runtime and the rest of the node open later (the runtime needs descriptors to compile
/// code and start threads, and fails hard without them). Linux only; null elsewhere.
/// </summary>
internal static class DescriptorBudget
{
    public const int Reserve = 256;

    public static int? Room()
    {
        if (!OperatingSystem.IsLinux())
            return null;
        try
        {
            string? line = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
            string[]? fields = line?[("Max open files".Length)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields is not { Length: > 0 } || !long.TryParse(fields[0], out long soft))
                return null; // "unlimited"
            int open = Directory.GetFiles("/proc/self/fd").Length;
            return (int)Math.Clamp(soft - open - Reserve, 0, int.MaxValue);
        }
        catch (Exception unreadable) when (unreadable is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
