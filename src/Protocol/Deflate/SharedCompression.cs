using System.Runtime.CompilerServices;

namespace Cosocket.Protocol.Deflate;

/// <summary>
/// The compressed forms of a payload that goes to many connections (a topic's message, a user's):
/// made once per deflate setting, not once per connection, and kept exactly as long as the payload.
/// Only messages sent without context takeover can share them: with it, each connection's window
/// makes its own.
/// </summary>
internal static class SharedCompression
{
    /// <summary>The forms made so far; a null one is a payload that does not compress.</summary>
    private sealed class Forms : List<(DeflateKey Key, byte[]? Compressed)>
    {
        public Forms() : base(1)
        {
        }

        /// <summary>The form made for <paramref name="key"/>, if any (the caller holds the lock).</summary>
        public bool TryFind(DeflateKey key, out byte[]? compressed)
        {
            foreach (var (formKey, form) in this)
            {
                if (formKey == key)
                {
                    compressed = form;
                    return true;
                }
            }
            compressed = null;
            return false;
        }
    }

    private static readonly ConditionalWeakTable<byte[], Forms> s_forms = new();

    /// <summary>The form of <paramref name="payload"/> for <paramref name="key"/>: the one made before,
    /// or <paramref name="compress"/>'s, kept unless it could not be made (no deflater within the budget).</summary>
    public static byte[]? GetOrAdd(byte[] payload, DeflateKey key, Func<(byte[]? Compressed, bool Made)> compress)
    {
        var forms = s_forms.GetValue(payload, static _ => new Forms());
        lock (forms)
        {
            if (forms.TryFind(key, out var known))
                return known;
        }
        // Made outside the lock: two connections may both make it at first, which costs less than
        // every connection of the fan-out waiting for one.
        var (made, ok) = compress();
        if (!ok)
            return null;
        lock (forms)
        {
            if (forms.TryFind(key, out var first))
                return first;
            forms.Add((key, made));
        }
        return made;
    }
}
