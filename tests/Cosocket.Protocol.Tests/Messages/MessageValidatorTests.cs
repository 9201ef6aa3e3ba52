using Cosocket.Protocol.Framing;
using Cosocket.Protocol.Messages;
using CsCheck;

namespace Cosocket.Protocol.Tests.Messages;

/// <summary>The message layer's checks, run by the frame decoder as bytes arrive.</summary>
public class MessageValidatorTests
{
    private const int Text = 0x1, Binary = 0x2, Continuation = 0x0, Close = 0x8, Ping = 0x9;

    /// <summary>Decodes <paramref name="bytes"/> in <paramref name="chunk"/>-byte pieces with a validator;
    /// each result is tagged with the number of bytes fed when it came out.</summary>
    private static List<(DecodeResult Result, int Fed)> Decode(byte[] bytes, int chunk = int.MaxValue, long maxMessage = 1 << 20)
    {
        var decoder = new FrameDecoder(new FrameDecoderOptions(1 << 20, ForceMasking: true), new MessageValidator(maxMessage));
        var results = new List<(DecodeResult, int)>();
        for (int start = 0; start < bytes.Length; start += chunk)
        {
            int length = Math.Min(chunk, bytes.Length - start);
            ReadOnlySpan<byte> piece = bytes.AsSpan(start, length);
            while (true)
            {
                var result = decoder.Decode(piece, out int consumed);
                piece = piece[consumed..];
                if (result.Status == DecodeStatus.NeedMoreData)
                    break;
                results.Add((result, start + length - piece.Length));
                if (result.Status == DecodeStatus.Error)
                    return results;
            }
        }
        return results;
    }

    private static Violation OnlyViolation(List<(DecodeResult Result, int Fed)> results) =>
        Assert.Single(results, r => r.Result.Status == DecodeStatus.Violation).Result.Violation;

    [Fact]
    public void ContinuationWithoutAStart_IsAProtocolError()
    {
        var results = Decode(Wire.Frame(true, Continuation, Wire.Utf8("x")));
        Assert.Equal(new Violation(CloseStatus.ProtocolError, Violation.ContinuationWithoutMessage), OnlyViolation(results));
    }

    [Fact]
    public void NewDataFrameInsideAFragmentedMessage_IsAProtocolError()
    {
        var results = Decode([.. Wire.Frame(false, Text, Wire.Utf8("a")), .. Wire.Frame(true, Binary, [1])]);
        Assert.Equal(CloseStatus.ProtocolError, OnlyViolation(results).CloseCode);
        Assert.Equal(Violation.DataFrameInsideFragmentedMessage, OnlyViolation(results).Reason);
    }

    [Fact]
    public void ControlFramesBetweenFragments_AreAllowed()
    {
        var results = Decode([
            .. Wire.Frame(false, Text, Wire.Utf8("frag1")), .. Wire.Frame(true, Ping, Wire.Utf8("p")),
            .. Wire.Frame(false, Continuation, Wire.Utf8("frag2")), .. Wire.Frame(true, Continuation, Wire.Utf8("frag3"))]);
        Assert.All(results, r => Assert.Equal(DecodeStatus.Frame, r.Result.Status));
        Assert.Equal(4, results.Count);
    }

    [Fact]
    public void MessageOverTheLimit_IsRefusedFromTheHeaderThatCrossesIt()
    {
        byte[] first = Wire.Frame(false, Binary, new byte[60]);
        byte[] second = Wire.Frame(true, Continuation, new byte[60]);
        var results = Decode([.. first, .. second], chunk: 1, maxMessage: 100);
        var (result, fed) = Assert.Single(results, r => r.Result.Status == DecodeStatus.Violation);
        Assert.Equal(new Violation(CloseStatus.MessageTooBig, Violation.MessageTooBig), result.Violation);
        Assert.Equal(first.Length + 6, fed); // the second frame's 2 header bytes and 4 key bytes, no payload
    }

    [Fact]
    public void MessageOfExactlyTheLimit_IsAccepted()
    {
        var results = Decode([.. Wire.Frame(false, Binary, new byte[50]), .. Wire.Frame(true, Continuation, new byte[50])], maxMessage: 100);
        Assert.All(results, r => Assert.Equal(DecodeStatus.Frame, r.Result.Status));
    }

    [Fact]
    public void InvalidUtf8_FailsFastInsideTheFrame()
    {
        // Autobahn 6.4.3: one frame whose bytes arrive in pieces; the violation must come at the
        // first impossible byte, before the rest of the frame.
        byte[] payload = Convert.FromHexString("cebae1bdb9cf83cebcceb5f4908080656469746564");
        byte[] frame = Wire.Frame(true, Text, payload);
        var results = Decode(frame, chunk: 1);
        var (result, fed) = results[0];
        Assert.Equal(DecodeStatus.Violation, result.Status);
        Assert.Equal(new Violation(CloseStatus.InvalidFramePayloadData, Violation.InvalidUtf8Text), result.Violation);
        Assert.Equal(6 + 13, fed); // header and key, then payload up to the 0x90 after F4 (index 12)
        // Framing stays intact: the whole frame still comes out afterwards, for the frame API.
        Assert.Equal(DecodeStatus.Frame, results[^1].Result.Status);
    }

    [Fact]
    public void InvalidUtf8_InALaterFragment_FailsAtThatFragment()
    {
        var results = Decode([
            .. Wire.Frame(false, Text, Convert.FromHexString("cebae1bdb9cf83cebcceb5")),
            .. Wire.Frame(false, Continuation, Convert.FromHexString("f4908080")),
            .. Wire.Frame(true, Continuation, Wire.Utf8("edited"))]);
        Assert.Equal(DecodeStatus.Frame, results[0].Result.Status);
        Assert.Equal(DecodeStatus.Violation, results[1].Result.Status);
    }

    [Fact]
    public void CharacterSplitAcrossFragments_IsValid()
    {
        var results = Decode([.. Wire.Frame(false, Text, [0xE2, 0x82]), .. Wire.Frame(true, Continuation, [0xAC])]);
        Assert.All(results, r => Assert.Equal(DecodeStatus.Frame, r.Result.Status));
    }

    [Fact]
    public void TextMessageEndingInsideACharacter_IsInvalidAtItsLastFrame()
    {
        var results = Decode(Wire.Frame(true, Text, [0x41, 0xE2, 0x82]));
        Assert.Equal(DecodeStatus.Violation, results[0].Result.Status);
        Assert.Equal(CloseStatus.InvalidFramePayloadData, results[0].Result.Violation.CloseCode);
        Assert.Equal(DecodeStatus.Frame, results[1].Result.Status);
    }

    [Fact]
    public void BinaryMessages_AreNotCheckedForUtf8()
    {
        var results = Decode(Wire.Frame(true, Binary, [0xFF, 0xFE]));
        Assert.Equal(DecodeStatus.Frame, Assert.Single(results).Result.Status);
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(1001)]
    [InlineData(1002)]
    [InlineData(1003)]
    [InlineData(1007)]
    [InlineData(1011)]
    [InlineData(1012)]
    [InlineData(1013)]
    [InlineData(1014)]
    [InlineData(3000)]
    [InlineData(3999)]
    [InlineData(4000)]
    [InlineData(4999)]
    public void CloseCode_Valid_IsAccepted(int code)
    {
        var results = Decode(Wire.Frame(true, Close, Wire.ClosePayload(code, "bye")));
        Assert.Equal(DecodeStatus.Frame, Assert.Single(results).Result.Status);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(999)]
    [InlineData(1004)]
    [InlineData(1005)]
    [InlineData(1006)]
    [InlineData(1015)]
    [InlineData(1016)]
    [InlineData(1100)]
    [InlineData(2000)]
    [InlineData(2999)]
    [InlineData(5000)]
    [InlineData(65535)]
    public void CloseCode_InvalidOnTheWire_IsAProtocolError(int code)
    {
        var results = Decode(Wire.Frame(true, Close, Wire.ClosePayload(code, "")));
        Assert.Equal(new Violation(CloseStatus.ProtocolError, Violation.InvalidCloseCodePrefix + code), OnlyViolation(results));
    }

    [Fact]
    public void CloseReason_InvalidUtf8_IsInvalidPayloadData()
    {
        byte[] payload = [0x03, 0xE8, .. Convert.FromHexString("cebae1bdb9cf83cebcceb5eda080656469746564")];
        var results = Decode(Wire.Frame(true, Close, payload));
        Assert.Equal(new Violation(CloseStatus.InvalidFramePayloadData, Violation.InvalidUtf8CloseReason), OnlyViolation(results));
    }

    [Fact]
    public void CloseWithoutABody_IsAccepted()
    {
        var results = Decode(Wire.Frame(true, Close, []));
        Assert.Equal(DecodeStatus.Frame, Assert.Single(results).Result.Status);
    }

    [Fact]
    public void MaskedFrame_ForAClient_IsAProtocolError()
    {
        var decoder = new FrameDecoder(new FrameDecoderOptions(1000), new MessageValidator(1000, forbidMasked: true));
        var result = decoder.Decode(Wire.Frame(true, Text, Wire.Utf8("x")), out _);
        Assert.Equal(new Violation(CloseStatus.ProtocolError, Violation.MaskedFrameFromServer), result.Violation);
    }

    [Fact]
    public void AfterAViolation_NothingMoreIsReported()
    {
        var results = Decode([
            .. Wire.Frame(true, Continuation, Wire.Utf8("x")),
            .. Wire.Frame(true, Text, [0xFF]),
            .. Wire.Frame(true, Close, Wire.ClosePayload(999, ""))]);
        Assert.Single(results, r => r.Result.Status == DecodeStatus.Violation);
        Assert.Equal(3, results.Count(r => r.Result.Status == DecodeStatus.Frame));
    }

    [Fact]
    public void FramingErrors_MapToTheirCloseCodes()
    {
        Assert.Equal(CloseStatus.MessageTooBig, Violation.FromDecodeError(ProtocolErrors.ExceedingMaxPayloadLen).CloseCode);
        Assert.Equal(CloseStatus.MessageTooBig, Violation.FromDecodeError(ProtocolErrors.PayloadLenTooLarge).CloseCode);
        Assert.Equal(CloseStatus.ProtocolError, Violation.FromDecodeError(ProtocolErrors.BadRsvBits).CloseCode);
        Assert.Equal(CloseStatus.ProtocolError, Violation.FromDecodeError(ProtocolErrors.FrameUnmasked).CloseCode);
        Assert.Equal(CloseStatus.ProtocolError, Violation.FromDecodeError(ProtocolErrors.ReservedControlFrames).CloseCode);
    }

    [Fact]
    public void AnyStream_InAnyPieces_GivesTheSameResultsAsWhole()
    {
        // Frames of random kinds and contents, valid or not: what the validator reports must not
        // depend on how the bytes are cut (only on when, which the fail-fast tests pin).
        var frame = Gen.Select(Gen.Bool, Gen.Int[0, 4].Select(i => new[] { Text, Binary, Continuation, Ping, Close }[i]),
            Gen.Frequency((3, Gen.String.Select(Wire.Utf8)), (1, Gen.Byte.Array[0, 12])));
        Gen.Select(frame.Array[1, 6], Gen.Int[1, 9]).Sample((frames, chunk) =>
        {
            byte[] stream = [.. frames.SelectMany(f => Wire.Frame(f.Item1 || f.Item2 >= Close, f.Item2,
                f.Item2 == Close && f.Item3.Length == 1 ? [] : f.Item3.Take(f.Item2 >= Close ? 125 : 1000).ToArray()))];
            string Summary(int pieces) => string.Join(",", Decode(stream, pieces).Select(r =>
                r.Result.Status == DecodeStatus.Violation ? $"violation {r.Result.Violation.CloseCode}" : r.Result.Status.ToString()));
            return Summary(chunk) == Summary(int.MaxValue);
        });
    }
}
