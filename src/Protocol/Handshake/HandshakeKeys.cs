using System.Security.Cryptography;
using System.Text;

namespace Cosocket.Protocol.Handshake;

/// <summary>Sec-WebSocket-Key and Sec-WebSocket-Accept (RFC 6455 §4.1, §4.2.2).</summary>
public static class HandshakeKeys
{
    /// <summary>The GUID of RFC 6455 §1.3 appended to the key before hashing.</summary>
    public const string Guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>base64(SHA-1(key + GUID)), using the key verbatim as the original does.</summary>
    public static string ComputeAccept(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        int length = Encoding.UTF8.GetByteCount(key) + Guid.Length;
        Span<byte> input = length <= 256 ? stackalloc byte[length] : new byte[length];
        int written = Encoding.UTF8.GetBytes(key, input);
        Encoding.ASCII.GetBytes(Guid, input[written..]);
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(input, hash);
        return Convert.ToBase64String(hash);
    }

    /// <summary>
    /// True when <paramref name="key"/> is a base64 value that decodes to 16 bytes (RFC 6455 §4.2.1):
    /// exactly 24 characters, no white space.
    /// </summary>
    public static bool IsValidKey(string key)
    {
        Span<byte> decoded = stackalloc byte[18];
        return key.Length == 24 && !key.Any(char.IsWhiteSpace) && Convert.TryFromBase64String(key, decoded, out int written) && written == 16;
    }

    /// <summary>
    /// A new client key. RFC 6455 §4.1: "a randomly selected 16-byte value that has been
    /// base64-encoded", 24 characters ending in "==".
    /// </summary>
    public static string NewKey()
    {
        Span<byte> nonce = stackalloc byte[16];
        RandomNumberGenerator.Fill(nonce);
        return Convert.ToBase64String(nonce);
    }
}
