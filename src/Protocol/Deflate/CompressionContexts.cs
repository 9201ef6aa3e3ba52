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
    internal Deflater? RentDeflater(DeflateKey key)
    {
        if (_idleDeflaters.TryGetValue(key, out var idle) && idle.TryDequeue(out var deflater))
            return deflater;
        if (Interlocked.Increment(ref _deflaters) > MaxContexts)
        {
            Interlocked.Decrement(ref _deflaters);
            return null;
        }
        try
        {
            return new Deflater(this, key);
        }
        catch
        {
            Interlocked.Decrement(ref _deflaters);
            throw;
        }
    }

    /// <summary>A deflater whose last message ended with a full flush: kept for the next, or released.</summary>
    internal void Return(Deflater deflater)
    {
        var idle = _idleDeflaters.GetOrAdd(deflater.Key, static _ => new());
        if (idle.Count < _maxIdle)
            idle.Enqueue(deflater);
        else
            deflater.Dispose();
    }

    /// <summary>An idle inflater, reset to <paramref name="windowBits"/>, or a new one within the budget; null beyond it.</summary>
    internal Inflater? RentInflater(int windowBits)
    {
        if (_idleInflaters.TryGetValue(windowBits, out var idle) && idle.TryDequeue(out var inflater))
        {
            inflater.Reset(windowBits);
            return inflater;
        }
        if (Interlocked.Increment(ref _inflaters) > MaxInflaters)
        {
            Interlocked.Decrement(ref _inflaters);
            return null;
        }
        try
        {
            return new Inflater(this, windowBits);
        }
        catch
        {
            Interlocked.Decrement(ref _inflaters);
            throw;
        }
    }

    internal void Return(Inflater inflater)
    {
        var idle = _idleInflaters.GetOrAdd(inflater.WindowBits, static _ => new());
        if (idle.Count < _maxIdle)
            idle.Enqueue(inflater);
        else
            inflater.Dispose();
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
