using System.Reflection;

namespace Cosocket.Actors.Server;

/// <summary>
/// Loads every assembly the server's code refers to, directly or not, while the process still has
/// file descriptors to spare. Loading an assembly opens its file; an assembly first needed when the
/// process is out of descriptors (the very moment accept fails) fails to load, and the runtime keeps
/// that failure: the type that needed it stays broken after descriptors are free again.
/// </summary>
internal static class AssemblyPreload
{
    private static int s_done;

    public static void LoadClosure(Assembly root)
    {
        if (Interlocked.Exchange(ref s_done, 1) != 0)
            return;
        var seen = new HashSet<string>(StringComparer.Ordinal) { root.FullName! };
        var pending = new Stack<Assembly>([root]);
        while (pending.TryPop(out var assembly))
        {
            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                if (!seen.Add(reference.FullName))
                    continue;
                try
                {
                    var loaded = Assembly.Load(reference);
                    // The framework's own references are loaded as they are needed by the runtime's
                    // code, which is loaded: follow only the libraries' (Akka.Streams → Reactive.Streams).
                    if (!IsFramework(reference))
                        pending.Push(loaded);
                }
                catch (Exception missing) when (missing is FileNotFoundException or FileLoadException or BadImageFormatException)
                {
                    // An optional reference that is not shipped (a platform-specific one): never needed here either.
                }
            }
        }
    }

    private static bool IsFramework(AssemblyName name) =>
        name.Name is { } n && (n.StartsWith("System", StringComparison.Ordinal) || n.StartsWith("Microsoft", StringComparison.Ordinal)
            || n is "netstandard" or "mscorlib");
}
