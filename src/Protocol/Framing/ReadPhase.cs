namespace Cosocket.Protocol.Framing;

/// <summary>Which part of a frame a decoder is waiting for; it words a failed read as the seed does.</summary>
public enum ReadPhase
{
    FirstTwoBytes,
    TwoByteLength,
    EightByteLength,
    /// <summary>The masking key and payload, which the original reads together.</summary>
    Payload,
}

public static class ReadPhaseExtensions
{
    /// <summary>The seed's error for a read that failed with <paramref name="socketError"/> in this phase.</summary>
    public static string Describe(this ReadPhase phase, string? socketError) => phase switch
    {
        ReadPhase.FirstTwoBytes => ProtocolErrors.FirstTwoBytesPrefix,
        ReadPhase.TwoByteLength => ProtocolErrors.TwoByteLengthPrefix,
        ReadPhase.EightByteLength => ProtocolErrors.EightByteLengthPrefix,
        _ => ProtocolErrors.PayloadReadPrefix,
    } + (socketError ?? "unknown");
}
