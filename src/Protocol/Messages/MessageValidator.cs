using Cosocket.Protocol.Framing;

namespace Cosocket.Protocol.Messages;

/// <summary>
/// The rules the message layer adds to framing, checked by the frame decoder as bytes arrive so that
/// a violation is reported as early as it can be known: at a frame's header (fragmentation order,
/// message length), inside its payload (UTF-8, failing fast mid-frame), or at its end (a text
/// message ending inside a character; a close frame's code and reason). After the first violation
/// it checks nothing more: the connection is being failed.
/// </summary>
/// <remarks>One per connection, fed by the connection's one decoder. Not thread-safe.</remarks>
public sealed class MessageValidator
{
    private readonly long _maxMessageLength;
    private readonly bool _validateUtf8;
    private readonly bool _forbidMasked;
    private Opcode? _fragmented; // the opcode of a message whose final fragment has not arrived
    private bool _compressed;    // the message is compressed: its inflater checks its length and text
    private long _messageLength;
    private Opcode _frameOpcode;
    private bool _frameIsText;
    private Utf8Validator _utf8;
    private bool _violated;

    /// <param name="maxMessageLength">The largest message, all fragments together.</param>
    /// <param name="validateUtf8">False skips UTF-8 checks of text and close reasons (not RFC-compliant; for peers that are trusted).</param>
    /// <param name="forbidMasked">A client's: RFC 6455 §5.1, "A client MUST close a connection if it
    /// detects a masked frame." (The seed's frame API accepts them; the message layer does not.)</param>
    public MessageValidator(long maxMessageLength, bool validateUtf8 = true, bool forbidMasked = false)
    {
        _maxMessageLength = maxMessageLength;
        _validateUtf8 = validateUtf8;
        _forbidMasked = forbidMasked;
    }

    /// <summary>A frame's header has been read: <paramref name="length"/> payload bytes follow;
    /// <paramref name="compressed"/> is RSV1, which only a connection that negotiated permessage-deflate accepts.</summary>
    public Violation? OnFrameStart(bool fin, Opcode opcode, bool masked, long length, bool compressed = false)
    {
        _frameOpcode = opcode;
        _frameIsText = false;
        if (_violated)
            return null;
        if (masked && _forbidMasked)
            return Violate(CloseStatus.ProtocolError, Violation.MaskedFrameFromServer);
        // RFC 7692 §6.1: "An endpoint MUST NOT set the "Per-Message Compressed" bit of control frames
        // and non-first fragments of a data message. An endpoint receiving such a frame MUST _Fail
        // the WebSocket Connection_."
        if (compressed && (opcode.IsControl() || opcode == Opcode.Continuation))
            return Violate(CloseStatus.ProtocolError, Violation.CompressedBitMisplaced);
        if (opcode.IsControl())
            return null;
        Opcode message;
        if (opcode == Opcode.Continuation)
        {
            // RFC 6455 §5.4: a fragmented message is "a single frame with the FIN bit clear and an
            // opcode other than 0, followed by zero or more frames with the FIN bit clear and the
            // opcode set to 0, and terminated by a single frame with the FIN bit set and an opcode of 0."
            if (_fragmented is not { } started)
                return Violate(CloseStatus.ProtocolError, Violation.ContinuationWithoutMessage);
            message = started;
        }
        else
        {
            // §5.4: "The fragments of one message MUST NOT be interleaved between the fragments of another message."
            if (_fragmented is not null)
                return Violate(CloseStatus.ProtocolError, Violation.DataFrameInsideFragmentedMessage);
            message = opcode;
            _messageLength = 0;
            _utf8.Reset();
            _compressed = compressed;
        }
        _fragmented = fin ? null : message;
        if (_compressed)
            return null; // its length and text are checked as it is inflated
        _messageLength += length;
        if (_messageLength > _maxMessageLength)
            return Violate(CloseStatus.MessageTooBig, Violation.MessageTooBig);
        _frameIsText = message == Opcode.Text && _validateUtf8;
        return null;
    }

    /// <summary>The next piece of the current frame's payload, unmasked.</summary>
    public Violation? OnPayload(ReadOnlySpan<byte> piece)
    {
        if (_violated || !_frameIsText || _utf8.Append(piece))
            return null;
        return Violate(CloseStatus.InvalidFramePayloadData, Violation.InvalidUtf8Text);
    }

    /// <summary>The current frame is complete.</summary>
    public Violation? OnFrameEnd(in Frame frame)
    {
        if (_violated)
            return null;
        if (_frameIsText && frame.Fin && !_utf8.IsComplete)
            return Violate(CloseStatus.InvalidFramePayloadData, Violation.InvalidUtf8Text);
        if (_frameOpcode != Opcode.Close || frame.CloseCode is not { } code)
            return null;
        // RFC 6455 §7.4: codes 0–999 are "not used", 1004–1006 and 1015 "MUST NOT be set as a status
        // code in a Close control frame by an endpoint", 1016–2999 are unassigned.
        if (!CloseStatus.IsValidOnWire(code))
            return Violate(CloseStatus.ProtocolError, Violation.InvalidCloseCodePrefix + code);
        // §5.5.1: the reason's "interpretation MUST be" UTF-8.
        var reason = new Utf8Validator();
        if (_validateUtf8 && !(reason.Append(frame.Data.Span) && reason.IsComplete))
            return Violate(CloseStatus.InvalidFramePayloadData, Violation.InvalidUtf8CloseReason);
        return null;
    }

    private Violation Violate(ushort code, string reason)
    {
        _violated = true;
        return new Violation(code, reason);
    }
}
