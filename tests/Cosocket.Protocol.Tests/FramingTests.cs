using Cosocket.Protocol;
using Cosocket.Protocol.Framing;

namespace Cosocket.Protocol.Tests;

/// <summary>RFC 6455 §5.2 base framing and §5.7 examples, checked in the order of the original's
/// recv_frame (docs/compatibility.md §1.2) with its exact error strings (§1.5).</summary>
public class FramingTests
{
    // RFC 6455 §5.7 examples.

    [Fact]
    public void Rfc5_7_SingleFrameUnmaskedText_DecodesHello()
    {
        var result = Wire.RecvOne(Wire.Hex("81 05 48 65 6c 6c 6f"), forceMasking: false);
        Assert.Equal(("Hello", "text", (string?)null), (result.Text, result.Type, result.Err));
    }

    [Fact]
    public void Rfc5_7_SingleFrameMaskedText_DecodesHello()
    {
        var result = Wire.RecvOne(Wire.Hex("81 85 37 fa 21 3d 7f 9f 4d 51 58"));
        Assert.Equal(("Hello", "text"), (result.Text, result.Type));
    }

    [Fact]
    public void Rfc5_7_FragmentedUnmaskedText_DecodesTwoFragments()
    {
        var results = Wire.RecvAll(Wire.Hex("01 03 48 65 6c 80 02 6c 6f"), forceMasking: false);
        Assert.Equal(2, results.Count);
        Assert.Equal(("Hel", "text", "again"), (results[0].Text, results[0].Type, results[0].Err));
        Assert.Equal(("lo", "continuation", (string?)null), (results[1].Text, results[1].Type, results[1].Err));
    }

    [Fact]
    public void Rfc5_7_UnmaskedPingAndMaskedPong()
    {
        var results = Wire.RecvAll(Wire.Hex("89 05 48 65 6c 6c 6f 8a 85 37 fa 21 3d 7f 9f 4d 51 58"), forceMasking: false);
        Assert.Equal(("Hello", "ping"), (results[0].Text, results[0].Type));
        Assert.Equal(("Hello", "pong"), (results[1].Text, results[1].Type));
    }

    [Fact]
    public void Rfc5_7_256ByteBinary_Uses16BitLength()
    {
        byte[] payload = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var result = Wire.RecvOne([.. Wire.Hex("82 7E 01 00"), .. payload], forceMasking: false);
        Assert.Equal(payload, result.Data);
        Assert.Equal("binary", result.Type);
    }

    [Fact]
    public void Rfc5_7_64KiBBinary_Uses64BitLength()
    {
        byte[] payload = Enumerable.Range(0, 65536).Select(i => (byte)(i * 7)).ToArray();
        var result = Wire.RecvOne([.. Wire.Hex("82 7F 00 00 00 00 00 01 00 00"), .. payload], maxPayload: 65536, forceMasking: false);
        Assert.Equal(payload, result.Data);
    }

    [Fact]
    public void NonMinimalLengthEncoding_IsAccepted()
    {
        // The original accepts 126 with a value of 5.
        var result = Wire.RecvOne([.. Wire.Hex("81 7E 00 05"), .. Wire.Utf8("hello")], forceMasking: false);
        Assert.Equal("hello", result.Text);
    }

    // §5.2 reserved bits and opcodes.

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(7)]
    public void RsvBitSet_FailsWithBadRsvBits(int rsv)
    {
        var result = Wire.RecvOne(Wire.Frame(true, 0x1, Wire.Utf8("foo"), rsv: rsv));
        Assert.Equal("bad RSV1, RSV2, or RSV3 bits", result.Err);
    }

    [Theory]
    [InlineData(0x3)]
    [InlineData(0x7)]
    public void ReservedDataOpcode_FailsWithReservedNonControlFrames(int opcode)
    {
        Assert.Equal("reserved non-control frames", Wire.RecvOne(Wire.Frame(true, opcode, [])).Err);
    }

    [Theory]
    [InlineData(0xB)]
    [InlineData(0xF)]
    public void ReservedControlOpcode_FailsWithReservedControlFrames(int opcode)
    {
        Assert.Equal("reserved control frames", Wire.RecvOne(Wire.Frame(true, opcode, [])).Err);
    }

    [Fact]
    public void RsvCheck_ComesBeforeOpcodeCheck()
    {
        Assert.Equal("bad RSV1, RSV2, or RSV3 bits", Wire.RecvOne(Wire.Frame(true, 0x3, [], rsv: 4)).Err);
    }

    // §5.1 masking.

    [Fact]
    public void Rfc5_1_ServerReceivesUnmaskedFrame_FailsWithFrameUnmasked()
    {
        Assert.Equal("frame unmasked", Wire.RecvOne(Wire.Unmasked(true, 0x1, Wire.Utf8("foo"))).Err);
    }

    [Fact]
    public void FrameUnmasked_IsReportedBeforeTheLengthIsRead()
    {
        // Only two bytes: the check must not wait for the 8-byte length.
        Assert.Equal("frame unmasked", Wire.RecvOne(Wire.Hex("81 7F")).Err);
    }

    [Fact]
    public void ClientAcceptsMaskedAndUnmaskedFrames()
    {
        var results = Wire.RecvAll([.. Wire.Unmasked(true, 0x1, Wire.Utf8("a")), .. Wire.Frame(true, 0x1, Wire.Utf8("b"))], forceMasking: false);
        Assert.Equal(["a", "b"], results.Select(r => r.Text));
    }

    // The 64-bit length: 31 bits only.

    [Theory]
    [InlineData("81 FF 00 00 00 01 00 00 00 00")] // a bit in the first 4 bytes
    [InlineData("81 FF 80 00 00 00 00 00 00 00")] // the most significant bit (RFC: MUST be 0)
    [InlineData("81 FF 00 00 00 00 80 00 00 00")] // the high bit of the 5th byte
    public void LengthOver31Bits_FailsWithPayloadLenTooLarge(string header)
    {
        Assert.Equal("payload len too large", Wire.RecvOne(Wire.Hex(header), maxPayload: long.MaxValue).Err);
    }

    [Fact]
    public void Length2Pow31Minus1_PassesTheLengthCheck()
    {
        // Accepted by the length rule, then refused by the (smaller) limit: the order is the original's.
        Assert.Equal("exceeding max payload len", Wire.RecvOne(Wire.Hex("81 FF 00 00 00 00 7F FF FF FF")).Err);
    }

    // §5.5 control frames.

    [Fact]
    public void Rfc5_5_ControlFrameOver125Bytes_FailsWithTooLongPayload()
    {
        Assert.Equal("too long payload for control frame", Wire.RecvOne(Wire.Frame(true, 0x9, new byte[126])).Err);
    }

    [Fact]
    public void Rfc5_5_FragmentedControlFrame_Fails()
    {
        Assert.Equal("fragmented control frame", Wire.RecvOne(Wire.Frame(false, 0x9, [])).Err);
    }

    [Fact]
    public void ControlFrameLengthCheck_ComesBeforeFinCheck()
    {
        Assert.Equal("too long payload for control frame", Wire.RecvOne(Wire.Frame(false, 0x8, new byte[200])).Err);
    }

    [Fact]
    public void MaxPayloadLen_AppliesToControlFrames()
    {
        Assert.Equal("exceeding max payload len", Wire.RecvOne(Wire.Frame(true, 0x9, new byte[10]), maxPayload: 9).Err);
    }

    [Fact]
    public void PayloadAtExactlyTheLimit_IsAccepted()
    {
        Assert.Equal(200, Wire.RecvOne(Wire.Frame(true, 0x1, new byte[200]), maxPayload: 200).Data!.Length);
        Assert.Equal("exceeding max payload len", Wire.RecvOne(Wire.Frame(true, 0x1, new byte[201]), maxPayload: 200).Err);
    }

    [Fact]
    public void MaxPayloadLen_IsCheckedBeforeThePayloadArrives()
    {
        // Only the header of a 1 GiB frame: the decoder refuses at once instead of waiting to buffer it.
        var decoder = new FrameDecoder(new FrameDecoderOptions(65535, true));
        var result = decoder.Decode(Wire.Hex("82 FF 00 00 00 00 40 00 00 00"), out _);
        Assert.Equal(DecodeStatus.Error, result.Status);
        Assert.Equal("exceeding max payload len", result.Error);
    }

    // §5.5.1 close.

    [Fact]
    public void Rfc5_5_1_CloseWithOneByteBody_Fails()
    {
        Assert.Equal("close frame with a body must carry a 2-byte status code", Wire.RecvOne(Wire.Frame(true, 0x8, [0x03])).Err);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1005)]
    [InlineData(1006)]
    [InlineData(4999)]
    [InlineData(65535)]
    public void CloseCode_IsNotValidatedByTheFrameLayer(int code)
    {
        Assert.Equal((ushort)code, Wire.RecvOne(Wire.Frame(true, 0x8, Wire.ClosePayload(code, "x"))).Code);
    }

    [Fact]
    public void FrameLayer_DoesNotReassembleOrCheckFragmentOrder()
    {
        // A continuation with no start and a text frame inside a fragmented message come back as they are.
        var results = Wire.RecvAll([.. Wire.Frame(true, 0x0, Wire.Utf8("x")), .. Wire.Frame(false, 0x1, Wire.Utf8("a")), .. Wire.Frame(true, 0x2, Wire.Utf8("b"))]);
        Assert.Equal(["continuation", "text", "binary"], results.Select(r => r.Type));
    }

    [Fact]
    public void InvalidUtf8Text_IsReturnedRawByTheFrameLayer()
    {
        Assert.Equal(new byte[] { 0xFF, 0xFE }, Wire.RecvOne(Wire.Frame(true, 0x1, [0xFF, 0xFE])).Data);
    }

    [Fact]
    public void AfterAnError_TheDecoderStaysFailed()
    {
        var decoder = new FrameDecoder(new FrameDecoderOptions());
        Assert.Equal(DecodeStatus.Error, decoder.Decode(Wire.Hex("F1 80"), out _).Status);
        var again = decoder.Decode(Wire.Frame(true, 0x1, Wire.Utf8("ok")), out int consumed);
        Assert.Equal(("bad RSV1, RSV2, or RSV3 bits", 0), (again.Error, consumed));
        Assert.True(decoder.IsFailed);
    }

    [Fact]
    public void Frame_ReportsWhetherItWasMasked()
    {
        var decoder = new FrameDecoder(new FrameDecoderOptions());
        Assert.True(decoder.Decode(Wire.Frame(true, 0x1, []), out _).Frame.Masked);
        Assert.False(decoder.Decode(Wire.Unmasked(true, 0x1, []), out _).Frame.Masked);
    }

    [Fact]
    public void EmptyPayloadFrames_DoNotAllocate()
    {
        var decoder = new FrameDecoder(new FrameDecoderOptions());
        byte[] ping = Wire.Unmasked(true, 0x9, []);
        decoder.Decode(ping, out _);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
            decoder.Decode(ping, out _);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
