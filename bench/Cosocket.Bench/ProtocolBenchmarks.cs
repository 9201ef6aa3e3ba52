using BenchmarkDotNet.Attributes;
using Cosocket.Protocol.Framing;

namespace Cosocket.Bench;

/// <summary>
/// The protocol core's hot paths (issue 2 targets): decode of 64-byte masked text frames, decode of a
/// 1 MiB frame, unmasking in cache, encode of 64-byte frames. Per-frame numbers use
/// OperationsPerInvoke, so "Mean" and "Allocated" are per frame.
/// </summary>
[MemoryDiagnoser]
public class ProtocolBenchmarks
{
    private const int SmallFrames = 1000;
    private const int SmallPayload = 64;
    private const int BulkPayload = 1 << 20;
    private const int UnmaskBytes = 16 * 1024;

    private byte[] _smallStream = [];
    private byte[] _bulkFrame = [];
    private byte[] _unmaskBuffer = [];
    private byte[] _payload = [];
    private byte[] _encodeBuffer = [];
    private readonly MaskKeyGenerator _keys = new();

    [GlobalSetup]
    public void Setup()
    {
        _payload = Enumerable.Range(0, SmallPayload).Select(i => (byte)('a' + i % 26)).ToArray();
        _smallStream = Enumerable.Range(0, SmallFrames)
            .SelectMany(_ => FrameEncoder.BuildFrame(true, 0x1, SmallPayload, _payload, masking: true, _keys).Frame!)
            .ToArray();
        byte[] bulk = new byte[BulkPayload];
        new Random(42).NextBytes(bulk);
        _bulkFrame = FrameEncoder.BuildFrame(true, 0x2, bulk.Length, bulk, masking: true, _keys).Frame!;
        _unmaskBuffer = new byte[UnmaskBytes];
        _encodeBuffer = new byte[(FrameEncoder.MaxHeaderLength + SmallPayload) * SmallFrames];
    }

    [Benchmark(OperationsPerInvoke = SmallFrames, Description = "decode 64 B masked text frame")]
    public int DecodeSmallMasked()
    {
        // A fresh decoder per batch, as a new connection would have: its cost is spread over 1000 frames.
        return DecodeAll(new FrameDecoder(new FrameDecoderOptions(65535, ForceMasking: true)), _smallStream);
    }

    /// <summary>Decodes a whole stream of frames; the number of frames.</summary>
    internal static int DecodeAll(FrameDecoder decoder, ReadOnlySpan<byte> input)
    {
        int frames = 0;
        while (!input.IsEmpty)
        {
            var result = decoder.Decode(input, out int consumed);
            input = input[consumed..];
            if (result.Status == DecodeStatus.Frame)
                frames++;
        }
        return frames;
    }

    [Benchmark(Description = "decode 1 MiB masked binary frame")]
    public int DecodeBulkMasked()
    {
        var decoder = new FrameDecoder(new FrameDecoderOptions(BulkPayload, ForceMasking: true));
        return decoder.Decode(_bulkFrame, out _).Frame.Payload.Length;
    }

    [Benchmark(Description = "unmask 16 KiB in place (in cache)")]
    public void Unmask16KiB() => Masking.Apply(_unmaskBuffer, 0x5A3C1F77u);

    [Benchmark(OperationsPerInvoke = SmallFrames, Description = "encode 64 B masked text frame")]
    public int EncodeSmallMasked()
    {
        Span<byte> destination = _encodeBuffer;
        int offset = 0;
        for (int i = 0; i < SmallFrames; i++)
            offset += FrameEncoder.WriteFrame(destination[offset..], true, 0x1, _payload, _keys.Next());
        return offset;
    }

    [Benchmark(OperationsPerInvoke = SmallFrames, Description = "encode 64 B unmasked text frame")]
    public int EncodeSmallUnmasked()
    {
        Span<byte> destination = _encodeBuffer;
        int offset = 0;
        for (int i = 0; i < SmallFrames; i++)
            offset += FrameEncoder.WriteFrame(destination[offset..], true, 0x1, _payload, maskKey: null);
        return offset;
    }
}
