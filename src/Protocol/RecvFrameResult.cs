using System.Text;
using Cosocket.Protocol.Framing;

namespace Cosocket.Protocol;

/// <summary>
/// The seed's <c>data, typ, err = recv_frame()</c>. On error <see cref="Data"/> and <see cref="Type"/>
/// are null and <see cref="Err"/> holds the error. For a data or ping/pong frame <see cref="Err"/> is
/// <c>"again"</c> when FIN is clear, else null. For a close frame <see cref="Data"/> is the reason and
/// <see cref="Code"/> the status code (null when the payload was empty): where the Lua original returns
/// the code as its third value, a C# caller reads <see cref="Code"/>.
/// </summary>
public readonly record struct RecvFrameResult(byte[]? Data, string? Type, string? Err, ushort? Code)
{
    /// <summary>The <c>err</c> value of a non-final fragment.</summary>
    public const string Again = "again";

    public bool IsError => Type is null;

    /// <summary>What kind of error <see cref="Err"/> is (<see cref="ErrorKind.None"/> for a frame).</summary>
    public ErrorKind Kind { get; init; }

    /// <summary><see cref="Data"/> decoded as UTF-8 (text frames, close reasons), or null on error.</summary>
    public string? Text => Data is null ? null : Encoding.UTF8.GetString(Data);

    public static RecvFrameResult Failure(string err, ErrorKind kind) => new(null, null, err, null) { Kind = kind };

    public static RecvFrameResult FromFrame(in Frame frame)
    {
        byte[] data = PayloadArray.Of(frame.Data);
        if (frame.Opcode == Opcode.Close)
            return new(data, "close", null, frame.CloseCode);
        return new(data, frame.Opcode.ToTypeName(), frame.Fin ? null : Again, null);
    }

    public void Deconstruct(out byte[]? data, out string? type, out string? err)
    {
        data = Data;
        type = Type;
        err = Err;
    }
}
