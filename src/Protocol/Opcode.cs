namespace Cosocket.Protocol;

/// <summary>Frame opcodes of RFC 6455 §5.2. Values 0x3–0x7 and 0xB–0xF are reserved.</summary>
public enum Opcode : byte
{
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
}

public static class OpcodeExtensions
{
    /// <summary>RFC 6455 §5.5: "Control frames are identified by opcodes where the most significant bit of the opcode is 1."</summary>
    public static bool IsControl(this Opcode opcode) => ((byte)opcode & 0x8) != 0;

    /// <summary>The type name the seed's <c>recv_frame</c> returns as its second value.</summary>
    public static string ToTypeName(this Opcode opcode) => opcode switch
    {
        Opcode.Continuation => "continuation",
        Opcode.Text => "text",
        Opcode.Binary => "binary",
        Opcode.Close => "close",
        Opcode.Ping => "ping",
        Opcode.Pong => "pong",
        _ => throw new ArgumentOutOfRangeException(nameof(opcode), opcode, "reserved opcodes have no type name"),
    };
}
