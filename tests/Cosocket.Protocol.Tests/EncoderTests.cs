using Cosocket.Protocol;
using Cosocket.Protocol.Framing;

namespace Cosocket.Protocol.Tests;

/// <summary>The original's build_frame (docs/compatibility.md §1.3), send_frame validation (§1.4) and the wire examples of §1.6.</summary>
public class EncoderTests
{
    private static byte[] Unmasked(bool fin, int opcode, byte[] payload)
    {
        var (frame, err) = FrameEncoder.BuildFrame(fin, opcode, payload.Length, payload, masking: false);
        Assert.Null(err);
        return frame!;
    }

    [Fact]
    public void SendText_Foo_Unmasked_IsFiveBytes()
    {
        Assert.Equal(Wire.Hex("81 03 66 6F 6F"), Unmasked(true, 0x1, Wire.Utf8("foo")));
    }

    [Fact]
    public void SendClose_NoCode_IsTwoBytes()
    {
        Assert.Equal(Wire.Hex("88 00"), Unmasked(true, 0x8, ClosePayload.Build(null, Wire.Utf8("ignored")).Payload!));
    }

    [Fact]
    public void SendClose_1000Bye()
    {
        Assert.Equal(Wire.Hex("88 05 03 E8 62 79 65"), Unmasked(true, 0x8, ClosePayload.Build(1000, Wire.Utf8("bye")).Payload!));
    }

    [Fact]
    public void SendPing_Empty()
    {
        Assert.Equal(Wire.Hex("89 00"), Unmasked(true, 0x9, []));
    }

    [Fact]
    public void Text126Bytes_Uses16BitLength()
    {
        Assert.Equal(Wire.Hex("81 7E 00 7E"), Unmasked(true, 0x1, new byte[126])[..4]);
    }

    [Fact]
    public void Text65536Bytes_Uses64BitLength()
    {
        byte[] frame = Unmasked(true, 0x1, new byte[65536]);
        Assert.Equal(Wire.Hex("81 7F 00 00 00 00 00 01 00 00"), frame[..10]);
        Assert.Equal(10 + 65536, frame.Length);
    }

    [Fact]
    public void NonFinalFrame_HasFinClear()
    {
        Assert.Equal(0x01, Unmasked(false, 0x1, [])[0]);
    }

    [Fact]
    public void MaskedText_Foo_IsNineBytes_AndDecodesBack()
    {
        var (frame, _) = FrameEncoder.BuildFrame(true, 0x1, 3, Wire.Utf8("foo"), masking: true);
        Assert.Equal(9, frame!.Length);
        Assert.Equal(0x83, frame[1]);
        Assert.Equal("foo", Wire.RecvOne(frame).Text);
    }

    [Fact]
    public void MaskedEmptyFrame_StillCarriesItsKey()
    {
        var (frame, _) = FrameEncoder.BuildFrame(true, 0x8, 0, [], masking: true);
        Assert.Equal(6, frame!.Length);
        Assert.Equal(0x80, frame[1]);
    }

    [Fact]
    public void Rfc5_3_EveryMaskedFrameGetsAFreshKey()
    {
        var keys = new MaskKeyGenerator();
        var seen = new HashSet<uint>();
        for (int i = 0; i < 1000; i++)
        {
            var (frame, _) = FrameEncoder.BuildFrame(true, 0x1, 0, [], masking: true, keys);
            seen.Add(Masking.ReadKey(frame.AsSpan(2, 4)));
        }
        Assert.True(seen.Count > 990, $"only {seen.Count} distinct keys in 1000 frames");
        Assert.DoesNotContain(0u, seen);
    }

    [Fact]
    public void BuildFrame_LengthArgumentOver31Bits_FailsWithPayloadTooBig()
    {
        Assert.Equal((null, "payload too big"), FrameEncoder.BuildFrame(true, 0x2, 0x80000000L, [], masking: false));
    }

    [Fact]
    public void BuildFrame_UsesTheLengthArgument_NotThePayloadLength()
    {
        var (frame, _) = FrameEncoder.BuildFrame(true, 0x1, 5, Wire.Utf8("ab"), masking: false);
        Assert.Equal(Wire.Hex("81 05 61 62"), frame);
    }

    [Fact]
    public void WriteFrame_WritesHeaderAndPayloadIntoTheSpan()
    {
        Span<byte> buffer = stackalloc byte[32];
        int written = FrameEncoder.WriteFrame(buffer, true, 0x1, "foo"u8, maskKey: null);
        Assert.Equal(Wire.Hex("81 03 66 6F 6F"), buffer[..written].ToArray());
        Assert.Equal(FrameEncoder.GetHeaderLength(3, masked: false) + 3, written);
    }

    // send_frame's validation, in the original's order (§1.4).

    [Fact]
    public void SendPayloadOverMaxSendLen_FailsWithPayloadTooBig()
    {
        Assert.Null(FrameEncoder.ValidateSend(true, 0x1, 200, 200));
        Assert.Equal("payload too big", FrameEncoder.ValidateSend(true, 0x1, 201, 200));
    }

    [Fact]
    public void SendControlFrameOver125_FailsWithTooMuchPayload()
    {
        Assert.Equal("too much payload for control frame", FrameEncoder.ValidateSend(true, 0x9, 126, 65535));
    }

    [Fact]
    public void SendFragmentedControlFrame_Fails()
    {
        Assert.Equal("fragmented control frame", FrameEncoder.ValidateSend(false, 0xA, 0, 65535));
    }

    [Fact]
    public void SendOverMaxSendLen_IsCheckedBeforeTheControlRules()
    {
        Assert.Equal("payload too big", FrameEncoder.ValidateSend(false, 0x9, 300, 200));
    }

    [Fact]
    public void SendOver31BitsWithAHugeLimit_FailsToBuildTheFrame()
    {
        Assert.Equal("failed to build frame: payload too big", FrameEncoder.ValidateSend(true, 0x2, 0x80000000L, long.MaxValue));
    }

    [Fact]
    public void SendReservedOpcode_IsNotValidated_AsInTheOriginal()
    {
        Assert.Null(FrameEncoder.ValidateSend(true, 0x3, 0, 65535));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0x10)]
    public void SendOpcodeOutsideFourBits_FailsWithBadOpcode(int opcode)
    {
        Assert.Equal("bad opcode", FrameEncoder.ValidateSend(true, opcode, 0, 65535));
        Assert.Equal((null, "bad opcode"), FrameEncoder.BuildFrame(true, opcode, 0, [], masking: false));
    }
}
