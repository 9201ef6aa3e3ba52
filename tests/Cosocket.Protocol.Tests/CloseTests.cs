using Cosocket.Protocol;

namespace Cosocket.Protocol.Tests;

/// <summary>Close payloads as send_close builds them (docs/compatibility.md §2.3) and RFC 6455 §7.4 status codes.</summary>
public class CloseTests
{
    [Fact]
    public void CodeOver0x7FFF_IsBadStatusCode()
    {
        Assert.Equal((null, "bad status code"), ClosePayload.Build(0x8000, []));
        Assert.Equal((null, "bad status code"), ClosePayload.Build(0xF000, Wire.Utf8("x")));
    }

    [Theory]
    [InlineData(0, "00 00")]
    [InlineData(1005, "03 ED")]
    [InlineData(0x7FFF, "7F FF")]
    [InlineData(-1, "FF FF")] // negative codes go out as two's complement, as in the original
    public void CodesUpTo0x7FFF_AreEncodedBigEndian(int code, string hex)
    {
        Assert.Equal(Wire.Hex(hex), ClosePayload.Build(code, []).Payload);
    }

    [Fact]
    public void NoCode_GivesAnEmptyPayloadAndIgnoresTheReason()
    {
        Assert.Equal((Array.Empty<byte>(), (string?)null), (ClosePayload.Build(null, Wire.Utf8("bye")).Payload!, ClosePayload.Build(null, []).Err));
    }

    [Fact]
    public void CodeAndReason_AreConcatenated()
    {
        Assert.Equal(Wire.ClosePayload(1001, "client, let's close!"), ClosePayload.Build(1001, Wire.Utf8("client, let's close!")).Payload);
    }

    [Theory]
    [InlineData(1000, true)]
    [InlineData(1003, true)]
    [InlineData(1007, true)]
    [InlineData(1014, true)]
    [InlineData(3000, true)]
    [InlineData(4999, true)]
    [InlineData(0, false)]
    [InlineData(999, false)]
    [InlineData(1004, false)]
    [InlineData(1005, false)]
    [InlineData(1006, false)]
    [InlineData(1015, false)]
    [InlineData(1016, false)]
    [InlineData(2999, false)]
    [InlineData(5000, false)]
    public void Rfc7_4_CodesValidOnTheWire(int code, bool valid)
    {
        Assert.Equal(valid, CloseStatus.IsValidOnWire(code));
    }
}
