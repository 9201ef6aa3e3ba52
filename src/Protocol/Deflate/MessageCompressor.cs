using System.Runtime.InteropServices;
using Cosocket.Protocol.Connection;

namespace Cosocket.Protocol.Deflate;

/// <summary>
/// The sending side of permessage-deflate on one connection (RFC 7692 §7.2.1): whether a message is
/// compressed, and its compressed bytes. Without context takeover the deflater is borrowed for the
/// message from <see cref="CompressionContexts"/>; with it, the connection keeps one from its first
/// compressed message to its end. When none can be had within the budget, the message goes out
/// uncompressed: any message may (§6), and with context takeover an uncompressed message leaves the
/// window as it was for both sides.
/// </summary>
internal sealed class MessageCompressor
{
    /// <summary>zlib refuses an 8-bit window for raw deflate: a side limited to 8 bits sends every message uncompressed.</summary>
    private const int SmallestDeflateWindow = 9;

    private readonly DeflateSettings _settings;
    private readonly DeflateKey _key;
    private readonly bool _keepContext;
    private readonly bool _enabled;
    private Deflater? _own;

    public MessageCompressor(DeflateSettings settings, Role role)
    {
        _settings = settings;
        int windowBits = settings.Agreed.WindowBitsFor(role);
        _key = new DeflateKey(settings.Level, windowBits, settings.MemoryLevel);
        _keepContext = !settings.Agreed.NoContextTakeoverFor(role);
        _enabled = windowBits >= SmallestDeflateWindow && ZLib.IsAvailable;
    }

    /// <summary><paramref name="message"/> compressed (without the flush tail), or null to send it as
    /// it is. A <paramref name="shared"/> message goes to many connections: without context takeover
    /// its compressed form is made once for all that compress alike (<see cref="SharedCompression"/>).</summary>
    public byte[]? Compress(ReadOnlyMemory<byte> message, bool shared = false)
    {
        if (!_enabled || message.Length < _settings.Threshold)
            return null;
        if (_keepContext)
        {
            _own ??= _settings.Contexts.RentDeflater(_key);
            return _own?.Compress(message.Span, keepContext: true);
        }
        if (shared && MemoryMarshal.TryGetArray(message, out var whole) && whole.Offset == 0 && whole.Count == whole.Array!.Length)
            return SharedCompression.GetOrAdd(whole.Array, _key, () => CompressAlone(message.Span));
        return CompressAlone(message.Span).Compressed;
    }

    /// <summary>With a deflater borrowed for the message; not <c>Made</c> when the budget had none.</summary>
    private (byte[]? Compressed, bool Made) CompressAlone(ReadOnlySpan<byte> message)
    {
        if (_settings.Contexts.RentDeflater(_key) is not { } deflater)
            return (null, false);
        try
        {
            return (deflater.Compress(message, keepContext: false), true);
        }
        finally
        {
            _settings.Contexts.Return(deflater);
        }
    }

    /// <summary>The connection has ended: its own deflater goes back to the budget.</summary>
    public void Release()
    {
        _own?.Dispose();
        _own = null;
    }
}
