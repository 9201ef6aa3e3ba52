using Cosocket.Protocol.Framing;

namespace Cosocket.Protocol.Tests;

/// <summary>RFC 6455 §5.3: octet i is XORed with key octet i mod 4, whatever the vector width.</summary>
public class MaskingTests
{
    private static byte[] Reference(byte[] data, byte[] key, int offset) =>
        data.Select((b, i) => (byte)(b ^ key[(i + offset) % 4])).ToArray();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(1000)]
    public void Apply_MatchesTheScalarDefinition_ForEveryLengthClass(int length)
    {
        byte[] data = Enumerable.Range(0, length).Select(i => (byte)(i * 31 + 7)).ToArray();
        for (int offset = 0; offset < 4; offset++)
        {
            byte[] copy = new byte[length];
            Masking.Apply(data, copy, Masking.ReadKey(Wire.Key), offset);
            Assert.Equal(Reference(data, Wire.Key, offset), copy);
        }
    }

    [Fact]
    public void Apply_InPlace_IsItsOwnInverse()
    {
        byte[] data = Enumerable.Range(0, 777).Select(i => (byte)i).ToArray();
        byte[] original = (byte[])data.Clone();
        uint key = 0xDEADBEEF;
        Masking.Apply(data, key);
        Assert.NotEqual(original, data);
        Masking.Apply(data, key);
        Assert.Equal(original, data);
    }

    [Fact]
    public void Apply_InPieces_EqualsApplyWhole()
    {
        byte[] data = Enumerable.Range(0, 100).Select(i => (byte)(i * 3)).ToArray();
        byte[] whole = (byte[])data.Clone();
        uint key = Masking.ReadKey(Wire.Key);
        Masking.Apply(whole, key);
        byte[] pieces = (byte[])data.Clone();
        foreach (var (start, length) in new[] { (0, 7), (7, 33), (40, 1), (41, 59) })
            Masking.Apply(pieces.AsSpan(start, length), key, start);
        Assert.Equal(whole, pieces);
    }

    [Fact]
    public void KeyBytes_RoundTripInWireOrder()
    {
        Span<byte> wire = stackalloc byte[4];
        Masking.WriteKey(wire, Masking.ReadKey(Wire.Key));
        Assert.Equal(Wire.Key, wire.ToArray());
    }
}
