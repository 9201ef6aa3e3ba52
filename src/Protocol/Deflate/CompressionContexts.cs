using System.Collections.Concurrent;

namespace Cosocket.Protocol.Deflate;

/// <summary>
/// The process's compression contexts: the budget of live deflaters, and the idle ones kept for
/// reuse. A connection holds a context only while it compresses or inflates a message, unless
/// context takeover is in use on that side: a deflater (about 256 KiB) lives as long as its
/// connection then, an inflater (about 40 KiB with a 15-bit window) too. Beyond the budget a message
/// goes out uncompressed, as RFC 7692 allows any message to, instead of allocating one more.
/// Inflaters have a budget of their own, <see cref="MaxInflaters"/>: without the peer's context
/// takeover a connection holds one only from the first frame of a fragmented compressed message to
/// its last (a message of one frame borrows it within one read), so a peer that starts compressed
/// messages on many connections and never ends them cannot make the process hold more than that;
/// beyond it such a message fails its connection with 1013 (try again later).
/// </summary>
public sealed class CompressionContexts
{
    /// <summary>The default of <see cref="MaxContexts"/>.</summary>
    public const int DefaultMaxContexts = 256;

    /// <summary>The default of <see cref="MaxInflaters"/>.</summary>
    public const int DefaultMaxInflaters = 1024;

    /// <summary>Idle contexts of one kind kept for reuse; more are released.</summary>
    private readonly int _maxIdle = Math.Max(4, Environment.ProcessorCount);

    private readonly ConcurrentDictionary<DeflateKey, ConcurrentQueue<Deflater>> _idleDeflaters = new();
    private readonly ConcurrentDictionary<int, ConcurrentQueue<Inflater>> _idleInflaters = new();
    private int _deflaters;
    private int _inflaters;
    private int _maxContexts;
    private int _maxInflaters;

    public CompressionContexts(int maxContexts = DefaultMaxContexts, int maxInflaters = DefaultMaxInflaters)
    {
        MaxContexts = maxContexts;
        MaxInflaters = maxInflaters;
    }

    /// <summary>Whether this runtime's zlib can be used; without it no connection negotiates compression.</summary>
    public static bool IsSupported => ZLib.IsAvailable;

    /// <summary>The process's contexts, shared by every connection that names no others.</summary>
    public static CompressionContexts Shared { get; } = new();

    /// <summary>The most deflaters alive at once, idle ones included: 256 (about 64 MiB at the
    /// default window and memory level).</summary>
    public int MaxContexts
    {
        get => Volatile.Read(ref _maxContexts);
        set => Volatile.Write(ref _maxContexts, value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "max contexts must be positive"));
    }

    /// <summary>The most inflaters alive at once, idle ones included: 1,024 (about 40 MiB with 15-bit windows).</summary>
    public int MaxInflaters
    {
        get => Volatile.Read(ref _maxInflaters);
        set => Volatile.Write(ref _maxInflaters, value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "max inflaters must be positive"));
    }

    /// <summary>Deflaters alive, idle ones included.</summary>
    public int LiveDeflaters => Volatile.Read(ref _deflaters);

    /// <summary>Inflaters alive, idle ones included.</summary>
    public int LiveInflaters => Volatile.Read(ref _inflaters);

    /// <summary>True once the budget is spent: a server asks clients for no context takeover then.</summary>
    public bool IsExhausted => LiveDeflaters >= MaxContexts;

    /// <summary>An idle deflater made with <paramref name="key"/>, or a new one within the budget; null beyond it.</summary>
    internal Deflater? RentDeflater(DeflateKey key) =>
        Rent(_idleDeflaters, key, ref _deflaters, MaxContexts, static (owner, k) => new Deflater(owner, k), out _);

    /// <summary>A deflater whose last message ended with a full flush: kept for the next, or released.</summary>
    internal void Return(Deflater deflater) => Return(_idleDeflaters, deflater.Key, deflater);

    /// <summary>An idle inflater, reset to <paramref name="windowBits"/>, or a new one within the budget; null beyond it.</summary>
    internal Inflater? RentInflater(int windowBits)
    {
        var inflater = Rent(_idleInflaters, windowBits, ref _inflaters, MaxInflaters, static (owner, bits) => new Inflater(owner, bits), out bool reused);
        if (reused)
            inflater!.Reset(windowBits);
        return inflater;
    }

    internal void Return(Inflater inflater) => Return(_idleInflaters, inflater.WindowBits, inflater);

    /// <summary>An idle context of <paramref name="key"/> (<paramref name="reused"/>), or a new one while
    /// <paramref name="live"/> stays within <paramref name="max"/>; null beyond it.</summary>
    private T? Rent<TKey, T>(ConcurrentDictionary<TKey, ConcurrentQueue<T>> idle, TKey key, ref int live, int max,
        Func<CompressionContexts, TKey, T> create, out bool reused)
        where TKey : notnull where T : class
    {
        if (idle.TryGetValue(key, out var queue) && queue.TryDequeue(out var context))
        {
            reused = true;
            return context;
        }
        reused = false;
        if (Interlocked.Increment(ref live) > max)
        {
            Interlocked.Decrement(ref live);
            return null;
        }
        try
        {
            return create(this, key);
        }
        catch
        {
            Interlocked.Decrement(ref live);
            throw;
        }
    }

    /// <summary>Keeps <paramref name="context"/> for the next of its kind, or releases it when enough are idle.</summary>
    private void Return<TKey, T>(ConcurrentDictionary<TKey, ConcurrentQueue<T>> idle, TKey key, T context)
        where TKey : notnull where T : IDisposable
    {
        var queue = idle.GetOrAdd(key, static _ => new());
        if (queue.Count < _maxIdle)
            queue.Enqueue(context);
        else
            context.Dispose();
    }

    /// <summary>Releases every idle context (they are made again on demand).</summary>
    public void Trim()
    {
        foreach (var idle in _idleDeflaters.Values)
        {
            while (idle.TryDequeue(out var deflater))
                deflater.Dispose();
        }
        foreach (var idle in _idleInflaters.Values)
        {
            while (idle.TryDequeue(out var inflater))
                inflater.Dispose();
        }
    }

    internal void OnReleased(bool deflater) => Interlocked.Decrement(ref deflater ? ref _deflaters : ref _inflaters);
}
