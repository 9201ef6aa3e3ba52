namespace Cosocket.Protocol.Deflate;

/// <summary>
/// How a connection that negotiated permessage-deflate compresses: what both sides agreed, and what
/// this side decides alone. The defaults live in the options records of the API that creates connections.
/// </summary>
/// <param name="Agreed">The negotiated parameters.</param>
/// <param name="Level">zlib's compression level, 1 (fastest) to 9 (smallest).</param>
/// <param name="MemoryLevel">zlib's memory level, 1 to 9: a deflater's hash table and buffers grow with it.</param>
/// <param name="Threshold">Messages shorter than this go out uncompressed: compressing them costs more than it saves.</param>
/// <param name="Contexts">The budget and pool the connection's deflaters and inflaters come from.</param>
public sealed record DeflateSettings(DeflateParameters Agreed, int Level, int MemoryLevel, int Threshold, CompressionContexts Contexts);
