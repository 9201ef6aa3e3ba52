using CsCheck;
using Cosocket.Protocol.Framing;

namespace Cosocket.Protocol.Tests;

/// <summary>Properties of the decoder that must hold for any frames and any chunking.</summary>
public class PropertyTests
{
    private sealed record FrameSpec(bool Fin, int Opcode, byte[] Payload, bool Masked);

    private static readonly Gen<FrameSpec> GenFrame =
        from control in Gen.Bool
        from opcode in control ? Gen.Int[8, 10] : Gen.Int[0, 2]
        from fin in control ? Gen.Const(true) : Gen.Bool
        from length in control ? Gen.Int[0, 125] : Gen.Frequency((4, Gen.Int[0, 130]), (1, Gen.Int[65530, 70000]))
        from payload in Gen.Byte.Array[length]
        from masked in Gen.Bool
        select new FrameSpec(fin, opcode, opcode == 0x8 && payload.Length == 1 ? [] : payload, masked);

    private static byte[] Encode(IEnumerable<FrameSpec> frames, MaskKeyGenerator keys) =>
        frames.SelectMany(f => FrameEncoder.BuildFrame(f.Fin, f.Opcode, f.Payload.Length, f.Payload, f.Masked, keys).Frame!).ToArray();

    /// <summary>Decodes <paramref name="bytes"/> cut at the given points.</summary>
    private static List<Frame> DecodeChunked(byte[] bytes, IEnumerable<int> cuts)
    {
        var decoder = new FrameDecoder(new FrameDecoderOptions(MaxPayloadLength: 1 << 20));
        var frames = new List<Frame>();
        int start = 0;
        foreach (int end in cuts.Where(c => c > 0 && c < bytes.Length).Order().Append(bytes.Length))
        {
            ReadOnlySpan<byte> piece = bytes.AsSpan(start, end - start);
            start = end;
            while (true)
            {
                var result = decoder.Decode(piece, out int consumed);
                piece = piece[consumed..];
                Assert.NotEqual(DecodeStatus.Error, result.Status);
                if (result.Status == DecodeStatus.Frame)
                    frames.Add(result.Frame);
                else if (piece.IsEmpty)
                    break;
            }
        }
        Assert.True(decoder.IsAtFrameBoundary);
        return frames;
    }

    private static void AssertSameFrames(IReadOnlyList<FrameSpec> expected, IReadOnlyList<Frame> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Fin, actual[i].Fin);
            Assert.Equal(expected[i].Opcode, (int)actual[i].Opcode);
            Assert.Equal(expected[i].Masked, actual[i].Masked);
            Assert.Equal(expected[i].Payload, actual[i].Payload.ToArray());
        }
    }

    [Fact]
    public void EncodeThenDecode_RoundTripsRandomFrames_UnderRandomChunking()
    {
        var keys = new MaskKeyGenerator();
        Gen.Select(GenFrame.List[1, 8], Gen.Int[0, 200_000].List[0, 20])
            .Sample((frames, cuts) =>
            {
                byte[] bytes = Encode(frames, keys);
                AssertSameFrames(frames, DecodeChunked(bytes, cuts));
            }, iter: 300);
    }

    [Fact]
    public void AFrameSplitAtEveryByteBoundary_DecodesIdentically()
    {
        var keys = new MaskKeyGenerator();
        GenFrame.Where(f => f.Payload.Length < 300).Sample(frame =>
        {
            byte[] bytes = Encode([frame], keys);
            for (int cut = 1; cut < bytes.Length; cut++)
                AssertSameFrames([frame], DecodeChunked(bytes, [cut]));
        }, iter: 100);
    }

    [Fact]
    public void OneByteAtATime_DecodesIdentically()
    {
        var keys = new MaskKeyGenerator();
        GenFrame.List[1, 4].Where(fs => fs.Sum(f => f.Payload.Length) < 2000).Sample(frames =>
        {
            byte[] bytes = Encode(frames, keys);
            AssertSameFrames(frames, DecodeChunked(bytes, Enumerable.Range(1, bytes.Length)));
        }, iter: 100);
    }

    [Fact]
    public void RandomBytes_NeverThrow_OnlyFramesOrAProtocolError()
    {
        Gen.Select(Gen.Byte.Array[0, 600], Gen.Int[1, 64], Gen.Bool).Sample((bytes, chunk, force) =>
        {
            var decoder = new FrameDecoder(new FrameDecoderOptions(MaxPayloadLength: 4096, ForceMasking: force));
            for (int start = 0; start < bytes.Length && !decoder.IsFailed; start += chunk)
            {
                ReadOnlySpan<byte> piece = bytes.AsSpan(start, Math.Min(chunk, bytes.Length - start));
                while (true)
                {
                    var result = decoder.Decode(piece, out int consumed);
                    Assert.InRange(consumed, 0, piece.Length);
                    piece = piece[consumed..];
                    if (result.Status == DecodeStatus.Error)
                    {
                        Assert.False(string.IsNullOrEmpty(result.Error));
                        break;
                    }
                    if (result.Status == DecodeStatus.NeedMoreData && piece.IsEmpty)
                        break;
                }
            }
        }, iter: 2000);
    }
}
