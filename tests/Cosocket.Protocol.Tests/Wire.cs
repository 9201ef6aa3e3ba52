using System.Text;
using Cosocket.Protocol;
using Cosocket.Protocol.Framing;

namespace Cosocket.Protocol.Tests;

/// <summary>
/// Test-side frame bytes, written out by hand so that the decoder is checked against an encoder of
/// its own (as the original's sanity.t used Perl's Protocol::WebSocket::Frame), and decoding helpers.
/// </summary>
internal static class Wire
{
    public static readonly byte[] Key = [0x37, 0xFA, 0x21, 0x3D];

    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    public static string? Text(byte[]? data) => data is null ? null : Encoding.UTF8.GetString(data);

    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

    /// <summary>A frame as a client sends it: masked with <see cref="Key"/> unless <paramref name="key"/> is empty.</summary>
    public static byte[] Frame(bool fin, int opcode, byte[] payload, byte[]? key = null, int rsv = 0)
    {
        key ??= Key;
        var bytes = new List<byte> { (byte)((fin ? 0x80 : 0) | (rsv << 4) | opcode) };
        byte maskBit = key.Length == 4 ? (byte)0x80 : (byte)0;
        if (payload.Length <= 125)
            bytes.Add((byte)(maskBit | payload.Length));
        else if (payload.Length <= 0xFFFF)
        {
            bytes.Add((byte)(maskBit | 126));
            bytes.Add((byte)(payload.Length >> 8));
            bytes.Add((byte)payload.Length);
        }
        else
        {
            bytes.Add((byte)(maskBit | 127));
            for (int shift = 56; shift >= 0; shift -= 8)
                bytes.Add((byte)((long)payload.Length >> shift));
        }
        bytes.AddRange(key);
        for (int i = 0; i < payload.Length; i++)
            bytes.Add(key.Length == 4 ? (byte)(payload[i] ^ key[i % 4]) : payload[i]);
        return bytes.ToArray();
    }

    public static byte[] Unmasked(bool fin, int opcode, byte[] payload) => Frame(fin, opcode, payload, []);

    public static byte[] ClosePayload(int code, string reason) => [(byte)(code >> 8), (byte)code, .. Utf8(reason)];

    /// <summary>Feeds <paramref name="bytes"/> in <paramref name="chunk"/>-byte pieces and returns the
    /// seed-shaped result of every frame, ending at the first error.</summary>
    public static List<RecvFrameResult> RecvAll(byte[] bytes, long maxPayload = 65535, bool forceMasking = true, int chunk = int.MaxValue)
    {
        var decoder = new FrameDecoder(new FrameDecoderOptions(maxPayload, forceMasking));
        var results = new List<RecvFrameResult>();
        for (int start = 0; start < bytes.Length; start += chunk)
        {
            ReadOnlySpan<byte> piece = bytes.AsSpan(start, Math.Min(chunk, bytes.Length - start));
            while (true)
            {
                var result = decoder.Decode(piece, out int consumed);
                piece = piece[consumed..];
                if (result.Status == DecodeStatus.Error)
                {
                    results.Add(RecvFrameResult.Failure(result.Error!, ErrorKind.Protocol));
                    return results;
                }
                if (result.Status == DecodeStatus.Frame)
                    results.Add(RecvFrameResult.FromFrame(result.Frame));
                else if (piece.IsEmpty)
                    break;
            }
        }
        return results;
    }

    /// <summary>Receives exactly one frame (or error) from <paramref name="bytes"/>.</summary>
    public static RecvFrameResult RecvOne(byte[] bytes, long maxPayload = 65535, bool forceMasking = true)
    {
        var results = RecvAll(bytes, maxPayload, forceMasking);
        Assert.Single(results);
        return results[0];
    }
}
