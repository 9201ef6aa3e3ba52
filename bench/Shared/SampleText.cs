using System.Text;

namespace Cosocket.Bench.Shared;

/// <summary>The text the UTF-8 benchmarks send, shared by the microbenchmarks and the load generator.</summary>
internal static class SampleText
{
    public const string Ascii = "The quick brown fox jumps over the lazy dog. ";

    /// <summary>Latin with accents, Greek, Cyrillic, CJK, Arabic and emoji: 1- to 4-byte sequences.</summary>
    public const string Multilingual = "Grüße, κόσμε! Привет, 世界 — مرحبا 🌍 ";

    /// <summary>Repeats <paramref name="text"/> to exactly <paramref name="size"/> UTF-8 bytes,
    /// padding with spaces so that no character is cut.</summary>
    public static byte[] Repeat(string text, int size)
    {
        var bytes = new List<byte>(size);
        for (int i = 0; ; i = (i + 1) % text.Length)
        {
            if (char.IsLowSurrogate(text[i]))
                continue; // went out with its high surrogate
            byte[] character = Encoding.UTF8.GetBytes(text.Substring(i, char.IsHighSurrogate(text[i]) ? 2 : 1));
            if (bytes.Count + character.Length > size)
                break;
            bytes.AddRange(character);
        }
        while (bytes.Count < size)
            bytes.Add((byte)' ');
        return bytes.ToArray();
    }
}
