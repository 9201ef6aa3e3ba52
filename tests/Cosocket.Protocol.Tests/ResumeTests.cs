using Cosocket.Protocol.Framing;

namespace Cosocket.Protocol.Tests;

/// <summary>
/// D1: a read that stops in the middle of a frame (a timeout) loses nothing; the next read
/// resumes the same frame. And the read-failure errors of docs/compatibility.md §1.5, worded after where the frame stopped.
/// </summary>
public class ResumeTests
{
    [Fact]
    public void RecvFrame_TimeoutMidFrame_ResumesSameFrame()
    {
        byte[] frame = Wire.Frame(true, 0x1, Wire.Utf8(new string('x', 300)));
        var decoder = new FrameDecoder(new FrameDecoderOptions());

        Assert.Equal(DecodeStatus.NeedMoreData, decoder.Decode(frame.AsSpan(0, 150), out int first).Status);
        Assert.Equal(150, first);
        // The timeout: nothing arrives; the caller reports it and is free to read again.
        Assert.Equal("failed to read masking-len and payload: timeout", decoder.DescribeReadFailure("timeout"));
        Assert.False(decoder.IsFailed);

        var result = decoder.Decode(frame.AsSpan(150), out int second);
        Assert.Equal(DecodeStatus.Frame, result.Status);
        Assert.Equal(frame.Length - 150, second);
        Assert.Equal(new string('x', 300), System.Text.Encoding.UTF8.GetString(result.Frame.Payload.Span));
    }

    [Theory]
    [InlineData(0, "failed to receive the first 2 bytes: timeout")]
    [InlineData(1, "failed to receive the first 2 bytes: timeout")]
    [InlineData(2, "failed to receive the 2 byte payload length: timeout")]
    [InlineData(3, "failed to receive the 2 byte payload length: timeout")]
    [InlineData(4, "failed to read masking-len and payload: timeout")]
    [InlineData(7, "failed to read masking-len and payload: timeout")]
    [InlineData(9, "failed to read masking-len and payload: timeout")]
    public void ReadFailure_IsWordedAfterThePartBeingRead_16BitLength(int received, string expected)
    {
        byte[] frame = Wire.Frame(true, 0x2, new byte[200]);
        var decoder = new FrameDecoder(new FrameDecoderOptions());
        decoder.Decode(frame.AsSpan(0, received), out _);
        Assert.Equal(expected, decoder.DescribeReadFailure("timeout"));
    }

    [Theory]
    [InlineData(2, "failed to receive the 8 byte payload length: closed")]
    [InlineData(9, "failed to receive the 8 byte payload length: closed")]
    [InlineData(10, "failed to read masking-len and payload: closed")]
    public void ReadFailure_IsWordedAfterThePartBeingRead_64BitLength(int received, string expected)
    {
        byte[] frame = Wire.Frame(true, 0x2, new byte[70000]);
        var decoder = new FrameDecoder(new FrameDecoderOptions(100000));
        decoder.Decode(frame.AsSpan(0, received), out _);
        Assert.Equal(expected, decoder.DescribeReadFailure("closed"));
    }

    [Fact]
    public void ReadFailure_WithoutSocketError_SaysUnknown()
    {
        var decoder = new FrameDecoder(new FrameDecoderOptions());
        Assert.Equal("failed to receive the first 2 bytes: unknown", decoder.DescribeReadFailure(null));
    }

    [Fact]
    public void ReadFailureAfterACompleteFrame_IsAboutTheFirstTwoBytes()
    {
        var decoder = new FrameDecoder(new FrameDecoderOptions());
        decoder.Decode(Wire.Frame(true, 0x1, Wire.Utf8("done")), out _);
        Assert.True(decoder.IsAtFrameBoundary);
        Assert.Equal("failed to receive the first 2 bytes: closed", decoder.DescribeReadFailure("closed"));
    }

    [Fact]
    public void HeaderErrors_AreReportedFromAGatheredHeaderToo()
    {
        var decoder = new FrameDecoder(new FrameDecoderOptions());
        Assert.Equal(DecodeStatus.NeedMoreData, decoder.Decode(Wire.Hex("89 7E"), out _).Status);
        Assert.Equal(DecodeStatus.NeedMoreData, decoder.Decode(Wire.Hex("00"), out _).Status);
        var result = decoder.Decode(Wire.Hex("7E"), out _);
        Assert.Equal("too long payload for control frame", result.Error);
    }
}
