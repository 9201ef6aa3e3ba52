using System.IO.Compression;
using Cosocket.Protocol.Deflate;

namespace Cosocket.Protocol.Tests.Deflate;

/// <summary>The runtime's zlib as permessage-deflate uses it, checked against .NET's own DeflateStream.</summary>
public class DeflateContextTests
{
    private static byte[] Json(int length)
    {
        var text = new System.Text.StringBuilder();
        for (int i = 0; text.Length < length; i++)
            text.Append($"{{\"user\":\"user{i % 7}\",\"room\":\"lobby\",\"text\":\"message number {i}\"}}");
        return System.Text.Encoding.UTF8.GetBytes(text.ToString(0, length));
    }

    /// <summary>What any other inflater makes of the compressed bytes plus the flush tail (RFC 7692 §7.2.2).</summary>
    private static byte[] InflateWithDeflateStream(byte[] compressed)
    {
        using var input = new MemoryStream([.. compressed, 0x00, 0x00, 0xFF, 0xFF]);
        using var inflate = new DeflateStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        try
        {
            while ((read = inflate.Read(buffer)) > 0)
                output.Write(buffer, 0, read);
        }
        catch (InvalidDataException)
        {
            // DeflateStream reads on past the sync-flush point, where a permessage-deflate message ends.
        }
        return output.ToArray();
    }

    [Fact]
    public void ZLib_RuntimeLibrary_IsAvailable() => Assert.True(ZLib.IsAvailable);

    [Theory]
    [InlineData(9)]
    [InlineData(12)]
    [InlineData(15)]
    public void Deflater_MessageWithoutContextTakeover_InflatesWithAnyInflater(int windowBits)
    {
        var contexts = new CompressionContexts();
        using var deflater = new Deflater(contexts, new DeflateKey(6, windowBits, 8));
        byte[] message = Json(20_000);
        byte[] compressed = deflater.Compress(message, keepContext: false)!;
        Assert.True(compressed.Length < message.Length / 4);
        Assert.False(compressed.AsSpan().EndsWith(Deflater.FlushTail));
        Assert.Equal(message, InflateWithDeflateStream(compressed));
        // The next message needs nothing of the first: it inflates on its own.
        byte[] second = deflater.Compress(message, keepContext: false)!;
        Assert.Equal(compressed, second);
    }

    [Fact]
    public void Deflater_WithContextTakeover_NextMessageRefersToThePrevious()
    {
        var contexts = new CompressionContexts();
        using var deflater = new Deflater(contexts, new DeflateKey(6, 15, 8));
        byte[] message = Json(300);
        byte[] first = deflater.Compress(message, keepContext: true)!;
        byte[] second = deflater.Compress(message, keepContext: true)!;
        Assert.True(second.Length < first.Length / 4, $"{second.Length} vs {first.Length}");
        using var inflater = new Inflater(contexts, 15);
        Assert.Equal(message, Inflate(inflater, first));
        Assert.Equal(message, Inflate(inflater, second));
    }

    [Fact]
    public void Deflater_IncompressibleWithoutContextTakeover_IsLeftUncompressed()
    {
        var contexts = new CompressionContexts();
        using var deflater = new Deflater(contexts, new DeflateKey(6, 15, 8));
        byte[] random = new byte[1000];
        new Random(7).NextBytes(random);
        Assert.Null(deflater.Compress(random, keepContext: false));
        byte[] message = Json(1000);
        Assert.Equal(message, InflateWithDeflateStream(deflater.Compress(message, keepContext: false)!));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(15)]
    public void Inflater_DeflateStreamOutput_Inflates(int windowBits)
    {
        byte[] message = Json(5000);
        using var output = new MemoryStream();
        using (var deflate = new DeflateStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            deflate.Write(message);
            deflate.Flush(); // a sync flush: ends with 00 00 FF FF
        }
        byte[] compressed = output.ToArray();
        // DeflateStream's 15-bit window needs a 15-bit inflater; an 8-bit one must refuse it or inflate it right.
        using var inflater = new Inflater(new CompressionContexts(), windowBits);
        var buffer = new byte[message.Length * 2];
        bool valid = inflater.Inflate(compressed, buffer, out _, out int written, out _);
        if (windowBits == 15)
        {
            Assert.True(valid);
            Assert.Equal(message, buffer[..written]);
        }
        else
            Assert.True(!valid || buffer.AsSpan(0, written).SequenceEqual(message));
    }

    [Fact]
    public void CompressionContexts_BudgetSpent_RefusesAnotherDeflater()
    {
        var contexts = new CompressionContexts(maxContexts: 2);
        var key = new DeflateKey(6, 15, 8);
        var first = contexts.RentDeflater(key);
        var second = contexts.RentDeflater(key);
        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Null(contexts.RentDeflater(key));
        Assert.True(contexts.IsExhausted);
        contexts.Return(first!);
        Assert.Same(first, contexts.RentDeflater(key)); // the idle one is reused
        second!.Dispose();
        Assert.Equal(1, contexts.LiveDeflaters);
        first!.Dispose();
        Assert.Equal(0, contexts.LiveDeflaters);
    }

    private static byte[] Inflate(Inflater inflater, byte[] compressed)
    {
        var buffer = new byte[1 << 16];
        Assert.True(inflater.Inflate([.. compressed, 0x00, 0x00, 0xFF, 0xFF], buffer, out _, out int written, out _));
        return buffer[..written];
    }
}
