using System.Text;
using Cosocket.Protocol;

namespace Cosocket.Actors.Connections;

/// <summary>
/// What <c>ReceiveMessageAsync</c> returns: a whole message (<see cref="Type"/> <c>"text"</c> or
/// <c>"binary"</c>, its bytes in <see cref="Data"/>), the peer's close (<c>"close"</c>, the reason's
/// bytes in <see cref="Data"/>, the code in <see cref="CloseCode"/>, null when the close frame had no
/// body), or an error (<see cref="Type"/> null, <see cref="Err"/> set; when this side failed the
/// connection, <see cref="CloseCode"/> is the code it sent: 1002, 1007, 1009 or 1011).
/// </summary>
public readonly record struct MessageResult(string? Type, byte[]? Data, ushort? CloseCode, string? Err)
{
    public const string TextType = "text";
    public const string BinaryType = "binary";
    public const string CloseType = "close";

    public bool IsError => Type is null;

    /// <summary>What kind of error <see cref="Err"/> is (<see cref="ErrorKind.None"/> for a message or a close).</summary>
    public ErrorKind Kind { get; init; }

    /// <summary>A text message, or a close reason, as a string; null otherwise.</summary>
    public string? Text => Type is TextType or CloseType && Data is not null ? Encoding.UTF8.GetString(Data) : null;

    public static MessageResult Failure(string err, ErrorKind kind, ushort? closeCode = null) => new(null, null, closeCode, err) { Kind = kind };

    public void Deconstruct(out byte[]? data, out string? type, out string? err)
    {
        data = Data;
        type = Type;
        err = Err;
    }
}

/// <summary>What <c>CloseHandshakeAsync</c> returns: the peer's close code (null when its close frame
/// had no body) and reason, or why the handshake did not complete.</summary>
public readonly record struct CloseResult(ushort? Code, string? Reason, string? Err)
{
    public static CloseResult Failure(string err) => new(null, null, err);

    /// <summary>The peer's close as the protocol handed it on: its code, and its reason as text.</summary>
    internal static CloseResult OfPeer(in Protocol.Connection.ProtocolEvent close) => new(close.Code, System.Text.Encoding.UTF8.GetString(close.Payload!), null);
}
