using System.Text;
using System.Text.Unicode;
using Cosocket.Protocol.Messages;
using CsCheck;

namespace Cosocket.Protocol.Tests.Messages;

/// <summary>RFC 3629 validity, as Autobahn's section 6 (Markus Kuhn's UTF-8 stress test) checks it.</summary>
public class Utf8ValidatorTests
{
    public static TheoryData<string, string> Valid => new()
    {
        { "empty", "" },
        { "ASCII", "48656c6c6f" },
        { "Greek kosme (6.2.1)", "cebae1bdb9cf83cebcceb5" },
        { "first 2-byte U+0080", "c280" },
        { "first 3-byte U+0800", "e0a080" },
        { "first 4-byte U+10000", "f0908080" },
        { "last 1-byte U+007F", "7f" },
        { "last 2-byte U+07FF", "dfbf" },
        { "last before surrogates U+D7FF", "ed9fbf" },
        { "first after surrogates U+E000", "ee8080" },
        { "U+FFFD", "efbfbd" },
        { "U+FFFF (a noncharacter, still valid)", "efbfbf" },
        { "last valid U+10FFFF", "f48fbfbf" },
        { "mixed scripts", Convert.ToHexString(Encoding.UTF8.GetBytes("héllo wörld 你好 🌍 مرحبا")) },
    };

    public static TheoryData<string, string> Invalid => new()
    {
        { "lone continuation 0x80 (6.6.x)", "80" },
        { "lone continuation 0xBF", "bf" },
        { "C0 overlong lead", "c080" },
        { "C1 overlong lead", "c1bf" },
        { "overlong slash 2 bytes (6.8.x)", "c0af" },
        { "overlong slash 3 bytes", "e080af" },
        { "overlong slash 4 bytes", "f08080af" },
        { "surrogate U+D800 (6.10.x)", "eda080" },
        { "surrogate U+DFFF", "edbfbf" },
        { "paired surrogates", "eda080edb080" },
        { "above U+10FFFF: F4 90 80 80 (6.3.x)", "f4908080" },
        { "F5 lead", "f5808080" },
        { "FE", "fe" },
        { "FF", "ff" },
        { "2-byte lead then ASCII", "c241" },
        { "3-byte lead cut by ASCII", "e0a041" },
        { "truncated 4-byte at end of valid text", "cebae1bdb9cf83cebcceb5f4908080656469746564" },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void Append_ValidText_IsValidAndComplete(string name, string hex)
    {
        _ = name;
        var validator = new Utf8Validator();
        Assert.True(validator.Append(Convert.FromHexString(hex)));
        Assert.True(validator.IsComplete);
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Append_InvalidText_Fails(string name, string hex)
    {
        _ = name;
        var validator = new Utf8Validator();
        Assert.False(validator.Append(Convert.FromHexString(hex)));
    }

    [Fact]
    public void Append_TextEndingInsideACharacter_IsValidButNotComplete()
    {
        var validator = new Utf8Validator();
        Assert.True(validator.Append([0xE2, 0x82]));
        Assert.False(validator.IsComplete);
        Assert.True(validator.Append([0xAC])); // € U+20AC
        Assert.True(validator.IsComplete);
    }

    [Theory]
    [InlineData("cebae1bdb9cf83cebcceb5f4908080656469746564", 12)] // 6.4.1: F4 90 fails at 0x90
    [InlineData("cebae1bdb9cf83cebcceb5eda080656469746564", 12)]   // 6.4.2: ED A0 fails at 0xA0
    [InlineData("cebae1bdb9cf83cebcceb5c0af", 11)]                 // C0 fails at once
    [InlineData("41e0809f", 2)]                                     // E0 80 is overlong at 0x80
    public void Append_OneByteAtATime_FailsAtTheFirstImpossibleByte(string hex, int failingIndex)
    {
        byte[] bytes = Convert.FromHexString(hex);
        var validator = new Utf8Validator();
        for (int i = 0; i < bytes.Length; i++)
        {
            bool ok = validator.Append(bytes.AsSpan(i, 1));
            Assert.Equal(i < failingIndex, ok);
            if (!ok)
                break;
        }
    }

    [Fact]
    public void Append_AfterFailure_StaysFailed()
    {
        var validator = new Utf8Validator();
        Assert.False(validator.Append([0xFF]));
        Assert.False(validator.Append("ok"u8));
        Assert.False(validator.IsComplete);
    }

    [Fact]
    public void Append_AnyBytesInAnyPieces_AgreesWithTheRuntimesValidator()
    {
        // Bytes biased towards the interesting ranges: ASCII, continuation bytes and lead bytes.
        var bytes = Gen.Frequency((3, Gen.Byte[0x00, 0x7F]), (3, Gen.Byte[0x80, 0xBF]), (3, Gen.Byte[0xC0, 0xFF])).Array[0, 40];
        var text = Gen.String.Select(s => Encoding.UTF8.GetBytes(s));
        Gen.Select(Gen.OneOf(bytes, text), Gen.Int[1, 8]).Sample((input, piece) =>
        {
            var validator = new Utf8Validator();
            bool valid = true;
            for (int start = 0; start < input.Length && valid; start += piece)
                valid = validator.Append(input.AsSpan(start, Math.Min(piece, input.Length - start)));
            return (valid && validator.IsComplete) == Utf8.IsValid(input);
        });
    }

    [Fact]
    public void Append_ValidPrefixOfAnyValidText_NeverFails()
    {
        // Fail-fast must not be too fast: no prefix of valid text is refused.
        Gen.String.Select(s => Encoding.UTF8.GetBytes(s)).Sample(input =>
        {
            var validator = new Utf8Validator();
            for (int i = 0; i < input.Length; i++)
            {
                if (!validator.Append(input.AsSpan(i, 1)))
                    return false;
            }
            return validator.IsComplete;
        });
    }
}
