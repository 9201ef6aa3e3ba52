using Cosocket.Protocol.Framing;

namespace Cosocket.Protocol.Messages;

/// <summary>
/// Joins the data frames of one message (RFC 6455 §5.4). The frames come from a decoder with a
/// <see cref="MessageValidator"/>, which has already refused fragments out of order and messages
/// over the limit, so this only gathers. A message of one frame is handed on without a copy.
/// </summary>
public sealed class MessageAssembler
{
    private readonly List<ReadOnlyMemory<byte>> _fragments = [];
    private Opcode _opcode;
    private int _length;

    /// <summary>True while a fragmented message has started and not ended.</summary>
    public bool InMessage => _fragments.Count > 0;

    /// <summary>Adds a data frame; returns the whole message once its final frame has arrived.</summary>
    public (Opcode Opcode, byte[] Payload)? Add(in Frame frame)
    {
        if (frame.Opcode != Opcode.Continuation)
            _opcode = frame.Opcode;
        if (frame.Fin && _fragments.Count == 0)
            return (_opcode, PayloadArray.Of(frame.Payload));
        _fragments.Add(frame.Payload);
        _length += frame.Payload.Length;
        if (!frame.Fin)
            return null;
        var payload = GC.AllocateUninitializedArray<byte>(_length);
        int offset = 0;
        foreach (var fragment in _fragments)
        {
            fragment.Span.CopyTo(payload.AsSpan(offset));
            offset += fragment.Length;
        }
        _fragments.Clear();
        _length = 0;
        return (_opcode, payload);
    }
}
