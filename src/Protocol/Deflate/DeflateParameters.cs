namespace Cosocket.Protocol.Deflate;

/// <summary>
/// The four parameters of permessage-deflate (RFC 7692 §7.1). As what one side asks for, before the
/// handshake: each <c>NoContextTakeover</c> demands it, and a window below 15 bits limits that side's
/// window. As what both sides agreed, after it: how each side compresses.
/// The defaults are the RFC's: context takeover, and 15-bit windows.
/// </summary>
/// <param name="ServerNoContextTakeover">The server starts every message with an empty window (§7.1.1.1).</param>
/// <param name="ClientNoContextTakeover">The client starts every message with an empty window (§7.1.1.2).</param>
/// <param name="ServerMaxWindowBits">The largest LZ77 window the server compresses with, 8 to 15 (§7.1.2.1).</param>
/// <param name="ClientMaxWindowBits">The largest LZ77 window the client compresses with, 8 to 15 (§7.1.2.2).</param>
public sealed record DeflateParameters(bool ServerNoContextTakeover = false, bool ClientNoContextTakeover = false,
    int ServerMaxWindowBits = DeflateParameters.MaxWindowBits, int ClientMaxWindowBits = DeflateParameters.MaxWindowBits)
{
    /// <summary>RFC 7692 §7.1.2: window bits are "a decimal integer value between 8 to 15, inclusive".</summary>
    public const int MinWindowBits = 8;

    public const int MaxWindowBits = 15;

    /// <summary>Whether <paramref name="role"/> starts each message it sends with an empty window.</summary>
    public bool NoContextTakeoverFor(Connection.Role role) => role == Connection.Role.Server ? ServerNoContextTakeover : ClientNoContextTakeover;

    /// <summary>The window <paramref name="role"/> compresses with.</summary>
    public int WindowBitsFor(Connection.Role role) => role == Connection.Role.Server ? ServerMaxWindowBits : ClientMaxWindowBits;

    /// <summary>Why these cannot be asked for, or null.</summary>
    public string? Validate() =>
        ServerMaxWindowBits is < MinWindowBits or > MaxWindowBits || ClientMaxWindowBits is < MinWindowBits or > MaxWindowBits
            ? "window bits must be between 8 and 15"
            : null;
}
