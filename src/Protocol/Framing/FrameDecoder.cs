using System.Buffers;
using System.Buffers.Binary;
using Cosocket.Protocol.Messages;

namespace Cosocket.Protocol.Framing;

/// <summary>
/// Incremental RFC 6455 frame decoder: bytes in, frames out, no socket. It accepts input in chunks of
/// any size and keeps a half-read frame across calls, so a receive timeout in the middle of a frame
/// never desynchronises the stream (D1). Checks run in the order of the original's
/// <c>recv_frame</c> (docs/compatibility.md §1.2) and fail with its exact strings; after an error the decoder stays failed.
/// </summary>
/// <remarks>
/// Allocation: one array per frame for the payload, of exactly its length (none for an empty
/// payload), and a declared length reserves nothing that has not been received: a peer that sends
/// only a header declaring 16 MiB costs this decoder no more than the header. A payload that arrives
/// in one chunk is written straight into its array. One that spans chunks is gathered as it arrives:
/// up to 64 KiB in an array that doubles from 4 KiB, above that in pooled 64 KiB segments, copied
/// once into the payload's array when the last byte is in (so a large frame costs one large-object
/// allocation, as if it had been reserved from its header, plus one copy). Headers are parsed in
/// place, or from a 14-byte scratch buffer when a header straddles two chunks.
/// Not thread-safe: one decoder per connection, fed by one reader.
/// </remarks>
public sealed class FrameDecoder
{
    private const int MaxHeaderLength = 14;

    /// <summary>The smallest step a payload buffer grows by, so a payload trickling in a few bytes at
    /// a time is not copied at every chunk.</summary>
    private const int MinPayloadGrowth = 4096;

    /// <summary>Payloads longer than this that span chunks are gathered in pooled segments of this size.</summary>
    private const int SegmentSize = 64 * 1024;

    private readonly long _maxPayloadLength;
    private readonly bool _forceMasking;
    private readonly bool _allowRsv1;
    private readonly MessageValidator? _validator;

    // A header that straddles chunks is gathered here.
    private readonly byte[] _header = new byte[MaxHeaderLength];
    private int _headerFilled;

    // The frame whose payload is being read.
    private bool _inPayload;
    private bool _fin;
    private bool _rsv1;
    private Opcode _opcode;
    private bool _masked;
    private uint _maskKey;
    private byte[] _payload = [];
    private int _payloadLength;
    private int _payloadFilled;
    // A large payload spanning chunks: its bytes so far, in rented segments (the last one partly filled).
    private List<byte[]>? _segments;

    // A frame completed together with a violation found at its end: returned by the next call.
    private DecodeResult? _frameAfterViolation;

    private string? _error;

    /// <param name="validator">When given, also checks the message layer's rules as bytes arrive and
    /// reports what breaks them as <see cref="DecodeStatus.Violation"/> results.</param>
    public FrameDecoder(FrameDecoderOptions options, MessageValidator? validator = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _maxPayloadLength = options.MaxPayloadLength;
        _forceMasking = options.ForceMasking;
        _allowRsv1 = options.AllowRsv1;
        _validator = validator;
    }

    /// <summary>True once the stream violated the protocol; every later call returns the same error.</summary>
    public bool IsFailed => _error is not null;

    /// <summary>True when no byte of a next frame has been taken yet.</summary>
    public bool IsAtFrameBoundary => !_inPayload && _headerFilled == 0 && _frameAfterViolation is null;

    /// <summary>
    /// Decodes at most one frame from the front of <paramref name="input"/>. Call again with the rest
    /// (<paramref name="input"/>[<paramref name="consumed"/>..]) while it returns frames.
    /// </summary>
    public DecodeResult Decode(ReadOnlySpan<byte> input, out int consumed)
    {
        consumed = 0;
        if (_error is not null)
            return DecodeResult.Failed(_error);
        if (_frameAfterViolation is { } frame)
        {
            _frameAfterViolation = null;
            return frame;
        }
        if (!_inPayload)
        {
            DecodeResult header = DecodeHeader(input, ref consumed);
            if (!_inPayload || header.Status == DecodeStatus.Violation)
                return header;
        }
        return DecodePayload(input, ref consumed);
    }

    /// <summary>The part of the current frame the decoder is waiting for.</summary>
    public ReadPhase Phase
    {
        get
        {
            if (_inPayload)
                return ReadPhase.Payload;
            if (_headerFilled < 2)
                return ReadPhase.FirstTwoBytes;
            int lengthField = _header[1] & 0x7F;
            if (_headerFilled >= 2 + ExtendedLengthSize(lengthField))
                return ReadPhase.Payload; // the masking key is read with the payload
            return lengthField == 126 ? ReadPhase.TwoByteLength : ReadPhase.EightByteLength;
        }
    }

    /// <summary>
    /// The seed's error for a read that failed (a timeout, EOF or reset) with the socket's
    /// <paramref name="socketError"/>, worded after the part of the frame that was being read.
    /// The decoder's state is untouched: after a timeout the same frame resumes.
    /// </summary>
    public string DescribeReadFailure(string? socketError) => Phase.Describe(socketError);

    private DecodeResult DecodeHeader(ReadOnlySpan<byte> input, ref int consumed)
    {
        // Parse in place while the header lies whole in this chunk; otherwise gather it into _header.
        bool inPlace = _headerFilled == 0;
        ReadOnlySpan<byte> view = inPlace ? input : _header.AsSpan(0, _headerFilled);
        if (!Ensure(input, ref consumed, ref inPlace, ref view, 2))
            return DecodeResult.NeedMoreData;

        byte b0 = view[0], b1 = view[1];
        if (CheckFirstTwoBytes(b0, b1) is { } firstError)
            return Fail(firstError);

        int lengthField = b1 & 0x7F;
        int extended = ExtendedLengthSize(lengthField);
        bool masked = (b1 & 0x80) != 0;
        int headerLength = 2 + extended + (masked ? 4 : 0);
        if (!Ensure(input, ref consumed, ref inPlace, ref view, 2 + extended))
            return DecodeResult.NeedMoreData;

        long length;
        if (extended == 0)
            length = lengthField;
        else if (extended == 2)
            length = BinaryPrimitives.ReadUInt16BigEndian(view[2..]);
        else
        {
            ulong length64 = BinaryPrimitives.ReadUInt64BigEndian(view[2..]);
            // Only 31-bit lengths are supported: the high 33 bits must be zero.
            if (length64 > int.MaxValue)
                return Fail(ProtocolErrors.PayloadLenTooLarge);
            length = (long)length64;
        }

        var opcode = (Opcode)(b0 & 0x0F);
        bool fin = (b0 & 0x80) != 0;
        if (opcode.IsControl())
        {
            // RFC 6455 §5.5: "All control frames MUST have a payload length of 125 bytes or less
            // and MUST NOT be fragmented."
            if (length > 125)
                return Fail(ProtocolErrors.TooLongControlPayload);
            if (!fin)
                return Fail(ProtocolErrors.FragmentedControlFrame);
        }
        // Checked before any payload byte is buffered: the limit bounds what a peer can make us hold.
        if (length > _maxPayloadLength)
            return Fail(ProtocolErrors.ExceedingMaxPayloadLen);

        if (!Ensure(input, ref consumed, ref inPlace, ref view, headerLength))
            return DecodeResult.NeedMoreData;
        if (inPlace)
            consumed += headerLength;

        _fin = fin;
        _rsv1 = (b0 & 0x40) != 0;
        _opcode = opcode;
        _masked = masked;
        _maskKey = masked ? Masking.ReadKey(view.Slice(2 + extended, 4)) : 0;
        _payload = [];
        _payloadLength = (int)length;
        _payloadFilled = 0;
        _headerFilled = 0;
        _inPayload = true;
        return _validator?.OnFrameStart(fin, opcode, masked, length, _rsv1) is { } violation ? DecodeResult.Violated(violation) : DecodeResult.NeedMoreData;
    }

    /// <summary>Makes <paramref name="view"/> hold at least <paramref name="wanted"/> header bytes,
    /// switching from in-place parsing to gathering when the chunk ends inside the header.</summary>
    private bool Ensure(ReadOnlySpan<byte> input, ref int consumed, ref bool inPlace, ref ReadOnlySpan<byte> view, int wanted)
    {
        if (view.Length >= wanted)
            return true;
        inPlace = false;
        Gather(input, ref consumed, wanted);
        view = _header.AsSpan(0, _headerFilled);
        return view.Length >= wanted;
    }

    private DecodeResult DecodePayload(ReadOnlySpan<byte> input, ref int consumed)
    {
        int take = Math.Min(input.Length - consumed, _payloadLength - _payloadFilled);
        if (take > 0)
        {
            ReadOnlySpan<byte> source = input.Slice(consumed, take);
            while (!source.IsEmpty)
            {
                // Unmasked into where the bytes are kept, and checked piece by piece, so invalid text
                // fails before the rest of its frame arrives.
                Span<byte> destination = NextPayloadSpace(source.Length);
                int piece = Math.Min(destination.Length, source.Length);
                destination = destination[..piece];
                if (_masked)
                    Masking.Apply(source[..piece], destination, _maskKey, _payloadFilled);
                else
                    source[..piece].CopyTo(destination);
                source = source[piece..];
                _payloadFilled += piece;
                consumed += piece;
                if (_validator?.OnPayload(destination) is { } violation)
                    return DecodeResult.Violated(violation);
            }
        }
        if (_payloadFilled < _payloadLength)
            return DecodeResult.NeedMoreData;
        if (_segments is not null)
            AssembleSegments();

        _inPayload = false;
        byte[] payload = _payload;
        _payload = [];
        ushort? closeCode = null;
        if (_opcode == Opcode.Close && payload.Length > 0)
        {
            // RFC 6455 §5.5.1: "If there is a body, the first two bytes of the body MUST be a
            // 2-byte unsigned integer (in network byte order) representing a status code."
            if (payload.Length == 1)
                return Fail(ProtocolErrors.CloseFrameNeedsStatusCode);
            closeCode = BinaryPrimitives.ReadUInt16BigEndian(payload);
        }
        var result = DecodeResult.Of(new Frame(_fin, _opcode, _masked, payload, closeCode, _rsv1));
        if (_validator?.OnFrameEnd(result.Frame) is { } atEnd)
        {
            _frameAfterViolation = result;
            return DecodeResult.Violated(atEnd);
        }
        return result;
    }

    /// <summary>
    /// Where the next payload bytes (up to <paramref name="wanted"/> of them) go. The payload's own
    /// array, exactly sized, when the whole payload is here or it is small enough to grow by doubling
    /// (never past the declared length, so what is reserved is at most twice what was received);
    /// otherwise the free part of the current pooled segment, a new one when it is full.
    /// </summary>
    private Span<byte> NextPayloadSpace(int wanted)
    {
        int needed = _payloadFilled + wanted;
        if (_segments is null && (needed <= _payload.Length || needed == _payloadLength || _payloadLength <= SegmentSize))
        {
            if (needed > _payload.Length)
            {
                int capacity = (int)Math.Min(_payloadLength, Math.Max(needed, Math.Max(MinPayloadGrowth, 2L * _payload.Length)));
                byte[] grown = GC.AllocateUninitializedArray<byte>(capacity);
                _payload.AsSpan(0, _payloadFilled).CopyTo(grown);
                _payload = grown;
            }
            return _payload.AsSpan(_payloadFilled);
        }
        // A large payload that spans chunks (its first bytes went nowhere else: a large payload gets
        // its own array only when it arrives whole).
        _segments ??= [];
        int used = _payloadFilled % SegmentSize;
        if (used == 0 && _segments.Count * SegmentSize == _payloadFilled)
            _segments.Add(ArrayPool<byte>.Shared.Rent(SegmentSize));
        return _segments[^1].AsSpan(used, SegmentSize - used);
    }

    /// <summary>The last byte of a segmented payload is in: one array of exactly its length, the segments back to the pool.</summary>
    private void AssembleSegments()
    {
        byte[] payload = GC.AllocateUninitializedArray<byte>(_payloadLength);
        int offset = 0;
        foreach (byte[] segment in _segments!)
        {
            int length = Math.Min(SegmentSize, _payloadLength - offset);
            segment.AsSpan(0, length).CopyTo(payload.AsSpan(offset));
            offset += length;
            ArrayPool<byte>.Shared.Return(segment);
        }
        _segments = null;
        _payload = payload;
    }

    private string? CheckFirstTwoBytes(byte b0, byte b1)
    {
        // RFC 6455 §5.2: "MUST be 0 unless an extension is negotiated that defines meanings for
        // non-zero values."
        if ((b0 & (_allowRsv1 ? 0x30 : 0x70)) != 0)
            return ProtocolErrors.BadRsvBits;
        int opcode = b0 & 0x0F;
        if (opcode is >= 0x3 and <= 0x7)
            return ProtocolErrors.ReservedNonControlFrames;
        if (opcode >= 0xB)
            return ProtocolErrors.ReservedControlFrames;
        if (_forceMasking && (b1 & 0x80) == 0)
            return ProtocolErrors.FrameUnmasked;
        return null;
    }

    /// <summary>Moves input into the header scratch buffer until it holds <paramref name="wanted"/>
    /// bytes or the input runs out.</summary>
    private void Gather(ReadOnlySpan<byte> input, ref int consumed, int wanted)
    {
        int take = Math.Min(wanted - _headerFilled, input.Length - consumed);
        if (take > 0)
        {
            input.Slice(consumed, take).CopyTo(_header.AsSpan(_headerFilled));
            _headerFilled += take;
            consumed += take;
        }
    }

    private static int ExtendedLengthSize(int lengthField) => lengthField switch
    {
        126 => 2,
        127 => 8,
        _ => 0,
    };

    private DecodeResult Fail(string error)
    {
        _error = error;
        return DecodeResult.Failed(error);
    }
}
