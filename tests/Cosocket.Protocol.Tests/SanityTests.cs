using Cosocket.Protocol;

namespace Cosocket.Protocol.Tests;

/// <summary>
/// The protocol-level expectations of the original's t/sanity.t (docs/compatibility.md §4), as bytes in and the
/// seed's (data, typ, err) out. The handshake halves (TESTs 1 and 21) are in ServerHandshakeTests.
/// </summary>
public class SanityTests
{
    [Fact] // sanity.t TEST 2
    public void Text3Bytes_ReturnsTextAndNilErr()
    {
        var (data, typ, err) = Wire.RecvOne(Wire.Frame(true, 0x1, Wire.Utf8("foo")));
        Assert.Equal("foo", Wire.Text(data));
        Assert.Equal("text", typ);
        Assert.Null(err);
    }

    [Fact] // sanity.t TEST 3
    public void Text0Bytes_ReturnsEmptyPayload()
    {
        var result = Wire.RecvOne(Wire.Frame(true, 0x1, []));
        Assert.Equal("", result.Text);
        Assert.Equal("text", result.Type);
        Assert.Null(result.Err);
    }

    [Theory] // sanity.t TESTs 4, 5, 6, 7: the 7-bit limit, the 16-bit form, the default limit exactly reached
    [InlineData(125)]
    [InlineData(126)]
    [InlineData(127)]
    [InlineData(65535)]
    public void TextOfLength_IsReceivedIntact(int length)
    {
        string text = new string('a', length - 1) + "b";
        var result = Wire.RecvOne(Wire.Frame(true, 0x1, Wire.Utf8(text)));
        Assert.Equal(text, result.Text);
        Assert.Equal("text", result.Type);
    }

    [Theory] // sanity.t TESTs 8 and 9: the 64-bit length form, with max_payload_len raised to fit
    [InlineData(65536)]
    [InlineData(1048577)]
    public void TextOverSixteenBits_WithRaisedLimit_IsReceivedIntact(int length)
    {
        string text = new string('a', length - 1) + "b";
        var result = Wire.RecvOne(Wire.Frame(true, 0x1, Wire.Utf8(text)), maxPayload: length);
        Assert.Equal(text, result.Text);
    }

    [Fact] // sanity.t TEST 10
    public void Binary3Bytes_ReturnsBinary()
    {
        var result = Wire.RecvOne(Wire.Frame(true, 0x2, Wire.Utf8("foo")));
        Assert.Equal("foo", result.Text);
        Assert.Equal("binary", result.Type);
    }

    [Fact] // sanity.t TEST 11
    public void CloseWithCodeAndReason_ReturnsReasonCloseAndCode()
    {
        var result = Wire.RecvOne(Wire.Frame(true, 0x8, Wire.ClosePayload(1000, "yes, closed")));
        Assert.Equal("yes, closed", result.Text);
        Assert.Equal("close", result.Type);
        Assert.Equal((ushort)1000, result.Code);
    }

    [Fact] // sanity.t TEST 12
    public void CloseWithCodeOnly_ReturnsEmptyReason()
    {
        var result = Wire.RecvOne(Wire.Frame(true, 0x8, Wire.ClosePayload(1002, "")));
        Assert.Equal("", result.Text);
        Assert.Equal((ushort)1002, result.Code);
    }

    [Fact] // sanity.t TEST 13
    public void CloseWithoutPayload_ReturnsNilCode()
    {
        var result = Wire.RecvOne(Wire.Frame(true, 0x8, []));
        Assert.Equal("", result.Text);
        Assert.Equal("close", result.Type);
        Assert.Null(result.Code);
    }

    [Fact] // sanity.t TEST 14
    public void PingWithoutPayload()
    {
        var result = Wire.RecvOne(Wire.Frame(true, 0x9, []));
        Assert.Equal("", result.Text);
        Assert.Equal("ping", result.Type);
        Assert.Null(result.Err);
    }

    [Theory] // sanity.t TESTs 15 and 16
    [InlineData(0x9, "ping")]
    [InlineData(0xA, "pong")]
    public void ControlFrameWithUtf8Payload(int opcode, string type)
    {
        var result = Wire.RecvOne(Wire.Frame(true, opcode, Wire.Utf8("are you there? 你好")));
        Assert.Equal("are you there? 你好", result.Text);
        Assert.Equal(type, result.Type);
        Assert.Null(result.Err);
    }

    [Fact] // sanity.t TEST 17
    public void TextOneOverDefaultLimit_FailsWithExceedingMaxPayloadLen()
    {
        var result = Wire.RecvOne(Wire.Frame(true, 0x1, new byte[65536]));
        Assert.True(result.IsError);
        Assert.Equal("exceeding max payload len", result.Err);
    }

    [Fact] // sanity.t TEST 18
    public void FirstFragment_ReturnsAgain()
    {
        var result = Wire.RecvOne(Wire.Frame(false, 0x1, Wire.Utf8("foo")));
        Assert.Equal(("foo", "text", "again"), (result.Text, result.Type, result.Err));
    }

    [Fact] // sanity.t TEST 19
    public void LastFragment_ReturnsContinuationAndNil()
    {
        var result = Wire.RecvOne(Wire.Frame(true, 0x0, Wire.Utf8("foo")));
        Assert.Equal(("foo", "continuation", (string?)null), (result.Text, result.Type, result.Err));
    }

    [Fact] // sanity.t TEST 20
    public void MiddleFragment_ReturnsContinuationAndAgain()
    {
        var result = Wire.RecvOne(Wire.Frame(false, 0x0, Wire.Utf8("foo")));
        Assert.Equal(("foo", "continuation", "again"), (result.Text, result.Type, result.Err));
    }
}
