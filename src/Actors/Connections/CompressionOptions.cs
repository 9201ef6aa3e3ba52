using Akka.Configuration;
using Cosocket.Protocol.Deflate;

namespace Cosocket.Actors.Connections;

/// <summary>
/// permessage-deflate (RFC 7692): what this side asks for in the handshake and how it compresses.
/// Every default lives here; <c>akka.hocon</c> documents the same values. A connection whose
/// options have none (the seed's objects, unless told) never negotiates it; the host's endpoints
/// that carry messages have it on.
/// </summary>
/// <remarks>
/// The defaults keep idle connections free of compression state: neither side takes its window
/// over from one message to the next, so a deflater is borrowed for one message from a pool (and a
/// message delivered to many connections alike is compressed once), and an inflater only while a
/// compressed message arrives. Context takeover compresses small, similar messages better, at the
/// cost of a deflater (about 256 KiB) or an inflater (about 40 KiB) kept by every connection that uses it.
/// </remarks>
public sealed record CompressionOptions
{
    /// <summary>The server starts every message it sends with an empty window: on.</summary>
    public bool ServerNoContextTakeover { get; init; } = true;

    /// <summary>The client starts every message it sends with an empty window: on (a server demands it
    /// of clients, which RFC 7692 §7.1.1.2 allows; a client offers it).</summary>
    public bool ClientNoContextTakeover { get; init; } = true;

    /// <summary>The largest window the server compresses with, 8 to 15: 15. A client asks for it.</summary>
    public int ServerMaxWindowBits { get; init; } = DeflateParameters.MaxWindowBits;

    /// <summary>The largest window the client compresses with, 8 to 15: 15. A server limits the client
    /// to it when the client says it supports the parameter (browsers do).</summary>
    public int ClientMaxWindowBits { get; init; } = DeflateParameters.MaxWindowBits;

    /// <summary>zlib's compression level, 1 (fastest) to 9 (smallest): 6, zlib's own default.</summary>
    public int Level { get; init; } = 6;

    /// <summary>zlib's memory level, 1 to 9: 8, zlib's own default.</summary>
    public int MemoryLevel { get; init; } = 8;

    /// <summary>Messages shorter than this are sent uncompressed: 64 bytes, below which deflate's
    /// own overhead outweighs what it saves.</summary>
    public int Threshold { get; init; } = 64;

    /// <summary>Where deflaters and inflaters come from, and the budget of live deflaters: the process's.</summary>
    public CompressionContexts Contexts { get; init; } = CompressionContexts.Shared;

    /// <summary>What this side asks for in the handshake.</summary>
    public DeflateParameters Wishes => new(ServerNoContextTakeover, ClientNoContextTakeover, ServerMaxWindowBits, ClientMaxWindowBits);

    /// <summary>How a connection that agreed <paramref name="agreed"/> compresses.</summary>
    internal DeflateSettings SettingsFor(DeflateParameters agreed) => new(agreed, Level, MemoryLevel, Threshold, Contexts);

    /// <summary>Why these options cannot be used, or null.</summary>
    public string? Validate()
    {
        if (Wishes.Validate() is { } error)
            return "compression: " + error;
        if (Level is < 1 or > 9)
            return "compression: level must be between 1 and 9";
        if (MemoryLevel is < 1 or > 9)
            return "compression: memory level must be between 1 and 9";
        if (Threshold < 0)
            return "compression: threshold must not be negative";
        return Contexts is null ? "compression: contexts must not be null" : null;
    }

    /// <summary>Reads a <c>compression</c> section: null when it is absent or <c>enabled = off</c>;
    /// keys absent from it keep their defaults. Its <c>max-contexts</c> is the process's budget
    /// and <c>max-inflaters</c> its inflaters' (<see cref="CompressionContexts.Shared"/>).</summary>
    public static CompressionOptions? FromConfig(Config? section)
    {
        if (section is null || section.IsEmpty || !section.GetBoolean("enabled", false))
            return null;
        var defaults = new CompressionOptions();
        int maxContexts = section.GetInt("max-contexts", CompressionContexts.DefaultMaxContexts);
        int maxInflaters = section.GetInt("max-inflaters", CompressionContexts.DefaultMaxInflaters);
        if (maxContexts <= 0 || maxInflaters <= 0)
            throw new ConfigurationException("compression.max-contexts and compression.max-inflaters must be positive");
        CompressionContexts.Shared.MaxContexts = maxContexts;
        CompressionContexts.Shared.MaxInflaters = maxInflaters;
        return new CompressionOptions
        {
            ServerNoContextTakeover = section.GetBoolean("server-no-context-takeover", defaults.ServerNoContextTakeover),
            ClientNoContextTakeover = section.GetBoolean("client-no-context-takeover", defaults.ClientNoContextTakeover),
            ServerMaxWindowBits = section.GetInt("server-max-window-bits", defaults.ServerMaxWindowBits),
            ClientMaxWindowBits = section.GetInt("client-max-window-bits", defaults.ClientMaxWindowBits),
            Level = section.GetInt("level", defaults.Level),
            MemoryLevel = section.GetInt("memory-level", defaults.MemoryLevel),
            Threshold = section.GetInt("threshold", defaults.Threshold),
        };
    }
}
