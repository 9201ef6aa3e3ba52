using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Cosocket.Protocol.Framing;

/// <summary>
/// Masking keys for client frames. RFC 6455 §5.3: "The masking key needs to be unpredictable; thus,
/// the masking key MUST be derived from a strong source of entropy, and the masking key for a given
/// frame MUST NOT make it simple for a server or proxy to predict the masking key for a subsequent
/// frame." Keys come from the OS CSPRNG, 256 at a time, so a key costs an array read.
/// </summary>
/// <remarks>Not thread-safe: one instance per connection, or <see cref="Shared"/> (one per thread).</remarks>
public sealed class MaskKeyGenerator
{
    private const int BatchSize = 256;
    private readonly uint[] _batch = new uint[BatchSize];
    private int _next = BatchSize;

    [ThreadStatic] private static MaskKeyGenerator? t_shared;

    /// <summary>An instance private to the calling thread.</summary>
    public static MaskKeyGenerator Shared => t_shared ??= new MaskKeyGenerator();

    /// <summary>A fresh non-zero key. Zero is skipped, as the original's keys are 1..2^32−1
    /// and a zero key would send the payload in the clear.</summary>
    public uint Next()
    {
        while (true)
        {
            if (_next == BatchSize)
            {
                RandomNumberGenerator.Fill(MemoryMarshal.AsBytes(_batch.AsSpan()));
                _next = 0;
            }
            uint key = _batch[_next++];
            if (key != 0)
                return key;
        }
    }
}
