using System.Buffers;
using Cosocket.Protocol.Connection;
using Cosocket.Protocol.Framing;
using Cosocket.Protocol.Messages;

namespace Cosocket.Protocol.Deflate;

/// <summary>
/// The receiving side of permessage-deflate on one connection (RFC 7692 §7.2.2): the frames of a
/// compressed message are inflated as each arrives, and the message's bytes count against the
/// message limit as they come out, so a small frame that inflates to gigabytes stops at the limit
/// (1009). Text is checked for UTF-8 as it is inflated (1007). Without the peer's context takeover the
/// inflater is borrowed for the message and given back at its end; with it, the connection keeps one.
/// </summary>
internal sealed class MessageInflater
{
    /// <summary>The first output buffer of a message; it doubles as needed, up to the limit.</summary>
    private const int InitialOutput = 4096;

    private readonly DeflateSettings _settings;
    private readonly int _windowBits;
    private readonly bool _keepContext;
    private readonly long _maxMessageLength;
    private readonly bool _validateUtf8;
    private Inflater? _inflater;
    private bool _streamEnded;
    private Opcode _opcode;
    private byte[]? _output;
    private int _written;
    private Utf8Validator _utf8;

    public MessageInflater(DeflateSettings settings, Role role, long maxMessageLength, bool validateUtf8)
    {
        _settings = settings;
        var peer = role == Role.Server ? Role.Client : Role.Server;
        _windowBits = settings.Agreed.WindowBitsFor(peer);
        _keepContext = !settings.Agreed.NoContextTakeoverFor(peer);
        _maxMessageLength = maxMessageLength;
        _validateUtf8 = validateUtf8;
    }

    /// <summary>True while a compressed message has started and not ended.</summary>
    public bool InMessage => _output is not null;

    /// <summary>Inflates a frame of a compressed message (the first has RSV1, the decoder's validator
    /// has checked the order); the whole message once its final frame is in.</summary>
    public Violation? Add(in Frame frame, out (Opcode Opcode, byte[] Payload)? message)
    {
        message = null;
        if (_output is null && !Begin(frame.Opcode))
            return Fail(new Violation(CloseStatus.TryAgainLater, Violation.TooManyCompressedMessages));
        if (Inflate(frame.Payload.Span) is { } violation)
            return violation;
        if (!frame.Fin)
            return null;
        // §7.2.2: "Append 4 octets of 0x00 0x00 0xff 0xff to the tail end of the payload of the message."
        if (!_streamEnded && Inflate(Deflater.FlushTail) is { } atEnd)
            return atEnd;
        if (_opcode == Opcode.Text && _validateUtf8 && !_utf8.IsComplete)
            return Fail(new Violation(CloseStatus.InvalidFramePayloadData, Violation.InvalidUtf8Text));
        message = (_opcode, _output.AsSpan(0, _written).ToArray());
        End();
        return null;
    }

    /// <summary>The connection has ended: its inflater, and a message's buffer, are let go.</summary>
    public void Release()
    {
        End();
        _inflater?.Dispose();
        _inflater = null;
    }

    /// <returns>False when no inflater can be had within the budget.</returns>
    private bool Begin(Opcode opcode)
    {
        if (_inflater is null)
        {
            if (_settings.Contexts.RentInflater(_windowBits) is not { } inflater)
                return false;
            _inflater = inflater;
        }
        else if (!_keepContext || _streamEnded)
            _inflater.Reset(_windowBits); // a peer that ended its stream (BFINAL, §7.2.3.4) starts a new one
        _streamEnded = false;
        _opcode = opcode;
        _written = 0;
        _utf8.Reset();
        _output = ArrayPool<byte>.Shared.Rent((int)Math.Min(InitialOutput, _maxMessageLength + 1));
        return true;
    }

    private Violation? Inflate(ReadOnlySpan<byte> input)
    {
        while (!_streamEnded)
        {
            // The limit is checked on what comes out (below): one byte more than it is enough to know,
            // so the buffer never grows past limit + 1.
            if (_written == _output!.Length)
                PooledBuffer.Grow(ref _output, _written, (int)Math.Max(Math.Min(2L * _output.Length, _maxMessageLength + 1), _output.Length + 1));
            if (!_inflater!.Inflate(input, _output.AsSpan(_written), out int consumed, out int written, out _streamEnded))
                return Fail(new Violation(CloseStatus.InvalidFramePayloadData, Violation.InvalidCompressedData));
            var produced = _output.AsSpan(_written, written);
            _written += written;
            input = input[consumed..];
            if (_written > _maxMessageLength)
                return Fail(new Violation(CloseStatus.MessageTooBig, Violation.MessageTooBig));
            if (_opcode == Opcode.Text && _validateUtf8 && !_utf8.Append(produced))
                return Fail(new Violation(CloseStatus.InvalidFramePayloadData, Violation.InvalidUtf8Text));
            // Done with this input once it is all taken and the output was not what stopped zlib.
            if (input.IsEmpty && _written < _output.Length)
                break;
        }
        return null;
    }

    /// <summary>The connection is being failed: nothing more is inflated.</summary>
    private Violation Fail(Violation violation)
    {
        Release();
        return violation;
    }

    private void End()
    {
        if (_output is not null)
        {
            ArrayPool<byte>.Shared.Return(_output);
            _output = null;
        }
        if (!_keepContext && _inflater is not null)
        {
            _settings.Contexts.Return(_inflater);
            _inflater = null;
        }
    }
}
