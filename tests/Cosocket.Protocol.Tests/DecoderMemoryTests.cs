using Cosocket.Protocol.Framing;

namespace Cosocket.Protocol.Tests;

/// <summary>What a peer can make the decoder hold: the payload buffer follows the bytes received,
/// never the length a header declares.</summary>
public class DecoderMemoryTests
{
    private const int SixteenMiB = 16 * 1024 * 1024;

    [Fact]
    public void Decode_HeaderDeclaring16MiB_ReservesNothing()
    {
        var decoder = new FrameDecoder(new FrameDecoderOptions(SixteenMiB, ForceMasking: true));
        byte[] header = Wire.Hex("82 FF 00 00 00 00 01 00 00 00 37 FA 21 3D");
        Decode(decoder, header); // warm up: the first call allocates no more than later ones

        var fresh = new FrameDecoder(new FrameDecoderOptions(SixteenMiB, ForceMasking: true));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var result = Decode(fresh, header);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(DecodeStatus.NeedMoreData, result.Status);
        Assert.True(allocated < 1024, $"a bare header allocated {allocated} bytes");
    }

    [Fact]
    public void Decode_16MiBPayloadTrickling_AllocatesInProportionToWhatArrived()
    {
        var decoder = new FrameDecoder(new FrameDecoderOptions(SixteenMiB, ForceMasking: false));
        Decode(decoder, Wire.Hex("82 7F 00 00 00 00 01 00 00 00"));
        byte[] chunk = new byte[1000];

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
            Assert.Equal(DecodeStatus.NeedMoreData, Decode(decoder, chunk).Status);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // 100,000 bytes received: the buffer doubled from 4 KiB to 128 KiB (the arrays of 4+8+…+128 KiB,
        // 258,048 bytes, the last one held): a bounded multiple of what arrived, not the 16 MiB declared.
        Assert.True(allocated < 400_000, $"100,000 payload bytes of a 16 MiB frame allocated {allocated} bytes");
    }

    [Fact]
    public void Decode_PayloadInOneChunk_AllocatesExactlyItsLength()
    {
        byte[] payload = Enumerable.Range(0, 70_000).Select(i => (byte)i).ToArray();
        var decoder = new FrameDecoder(new FrameDecoderOptions(SixteenMiB, ForceMasking: false));
        byte[] frame = [.. Wire.Hex("82 7F 00 00 00 00 00 01 11 70"), .. payload];

        var result = Decode(decoder, frame);

        Assert.Equal(DecodeStatus.Frame, result.Status);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(result.Frame.Payload, out var segment));
        Assert.Equal(payload.Length, segment.Array!.Length);
        Assert.Equal(payload, result.Frame.Payload.ToArray());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4095)]
    [InlineData(4097)]
    [InlineData(65536)]
    public void Decode_PayloadGrownAcrossChunks_IsIntactAndExactlySized(int chunkSize)
    {
        byte[] payload = Enumerable.Range(0, 200_003).Select(i => (byte)(i * 31)).ToArray();
        byte[] frame = Wire.Frame(true, 2, payload);
        var decoder = new FrameDecoder(new FrameDecoderOptions(SixteenMiB, ForceMasking: true));

        DecodeResult result = default;
        for (int offset = 0; offset < frame.Length; offset += chunkSize)
        {
            result = Decode(decoder, frame.AsSpan(offset, Math.Min(chunkSize, frame.Length - offset)));
            if (result.Status == DecodeStatus.Frame)
                Assert.Equal(frame.Length, offset + Math.Min(chunkSize, frame.Length - offset));
        }

        Assert.Equal(DecodeStatus.Frame, result.Status);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(result.Frame.Payload, out var segment));
        Assert.Equal(payload.Length, segment.Array!.Length);
        Assert.Equal(payload, result.Frame.Payload.ToArray());
    }

    /// <summary>Feeds one chunk and returns the last result that is not "need more".</summary>
    private static DecodeResult Decode(FrameDecoder decoder, ReadOnlySpan<byte> chunk)
    {
        var last = DecodeResult.NeedMoreData;
        while (true)
        {
            var result = decoder.Decode(chunk, out int consumed);
            chunk = chunk[consumed..];
            if (result.Status == DecodeStatus.NeedMoreData)
                return last.Status == DecodeStatus.NeedMoreData ? result : last;
            last = result;
            if (chunk.IsEmpty && result.Status != DecodeStatus.NeedMoreData)
                return result;
        }
    }
}
