using System.Text.Unicode;

namespace Cosocket.Protocol.Messages;

/// <summary>
/// Incremental UTF-8 validation (RFC 3629) that fails fast: a payload is fed in the pieces it
/// arrives in, and <see cref="Append"/> returns false at the first byte that no valid continuation
/// could follow, not at the end of the message. RFC 6455 §8.1: "When an endpoint is to interpret a
/// byte stream as UTF-8 but finds that the byte stream is not, in fact, a valid UTF-8 stream, that
/// endpoint MUST _Fail the WebSocket Connection_."
/// </summary>
/// <remarks>
/// Whole sequences are checked by the runtime's vectorized <see cref="Utf8.IsValid"/> (ASCII runs
/// cost next to nothing); only a sequence cut by a piece boundary goes through the byte-wise state
/// machine, which knows for each lead byte the range its next byte must fall in (no overlongs, no
/// surrogates U+D800–DFFF, nothing above U+10FFFF).
/// </remarks>
public struct Utf8Validator
{
    private int _needed; // continuation bytes still expected; -1 once the text was invalid
    private byte _low;   // the range the next continuation byte must fall in
    private byte _high;

    /// <summary>True when the text so far is valid and may end here (no sequence is cut open).</summary>
    public readonly bool IsComplete => _needed == 0;

    /// <summary>Starts a new text.</summary>
    public void Reset() => _needed = 0;

    /// <summary>Feeds the next piece; false as soon as the text cannot be valid UTF-8, and from then on.</summary>
    public bool Append(ReadOnlySpan<byte> piece)
    {
        if (_needed < 0)
            return false;
        // Finish a sequence the previous piece cut open.
        while (_needed > 0)
        {
            if (piece.IsEmpty)
                return true;
            if (!Step(piece[0]))
                return false;
            piece = piece[1..];
        }
        int cut = piece.Length - OpenTailLength(piece);
        if (!Utf8.IsValid(piece[..cut]))
        {
            _needed = -1;
            return false;
        }
        foreach (byte b in piece[cut..])
        {
            if (!Step(b))
                return false;
        }
        return true;
    }

    /// <summary>The length of a sequence at the end of <paramref name="piece"/> that needs more bytes than it has.</summary>
    private static int OpenTailLength(ReadOnlySpan<byte> piece)
    {
        for (int back = 1; back <= Math.Min(3, piece.Length); back++)
        {
            byte b = piece[^back];
            if (b < 0x80)
                return 0;
            if (b >= 0xC0)
            {
                int length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
                return length > back ? back : 0;
            }
        }
        return 0;
    }

    private bool Step(byte b)
    {
        if (_needed > 0)
        {
            if (b < _low || b > _high)
            {
                _needed = -1;
                return false;
            }
            _needed--;
            _low = 0x80;
            _high = 0xBF;
            return true;
        }
        if (b < 0x80)
            return true;
        (_needed, _low, _high) = b switch
        {
            >= 0xC2 and <= 0xDF => (1, (byte)0x80, (byte)0xBF),
            0xE0 => (2, (byte)0xA0, (byte)0xBF), // no overlong 3-byte forms
            0xED => (2, (byte)0x80, (byte)0x9F), // no surrogates
            >= 0xE1 and <= 0xEF => (2, (byte)0x80, (byte)0xBF),
            0xF0 => (3, (byte)0x90, (byte)0xBF), // no overlong 4-byte forms
            >= 0xF1 and <= 0xF3 => (3, (byte)0x80, (byte)0xBF),
            0xF4 => (3, (byte)0x80, (byte)0x8F), // nothing above U+10FFFF
            _ => (-1, (byte)0, (byte)0),         // a stray continuation byte, C0, C1, F5–FF
        };
        return _needed > 0;
    }
}
