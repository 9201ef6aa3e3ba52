using System.Text;

namespace Cosocket.Bench.Shared;

/// <summary>The text the UTF-8 benchmarks send, shared by the microbenchmarks and the load generator.</summary>
internal static class SampleText
{
    public const string Ascii = "The quick brown fox jumps over the lazy dog. ";

    /// <summary>Latin with accents, Greek, Cyrillic, CJK, Arabic and emoji: 1- to 4-byte sequences.</summary>
    public const string Multilingual = "Grüße, κόσμε! Привет, 世界 — مرحبا 🌍 ";

    /// <summary>Chat-like JSON (messages of a room: type, room, user, text, timestamp) of exactly
    /// <paramref name="size"/> UTF-8 bytes, padded with spaces: what compression is for.</summary>
    public static byte[] Json(int size)
    {
        string[] users = ["alice", "bob", "carol", "dave", "erin"];
        string[] words = ["hello", "everyone", "the", "build", "is", "green", "again", "shall", "we", "ship", "it", "today", "?", "sure", "after", "lunch"];
        var text = new StringBuilder("[");
        for (int i = 0; text.Length < size; i++)
        {
            string said = string.Join(' ', Enumerable.Range(0, 3 + i % 7).Select(w => words[(i * 7 + w * 3) % words.Length]));
            text.Append(i == 0 ? "" : ",").Append($"{{\"type\":\"message\",\"room\":\"lobby\",\"user\":\"{users[i % users.Length]}\",\"text\":\"{said}\",\"ts\":{1764547200000L + i * 1733}}}");
        }
        byte[] bytes = Encoding.UTF8.GetBytes(text.ToString());
        return bytes.Length >= size ? [.. bytes[..size]] : [.. bytes, .. Enumerable.Repeat((byte)' ', size - bytes.Length)];
    }

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
