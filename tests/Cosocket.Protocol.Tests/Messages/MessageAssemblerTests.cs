using Cosocket.Protocol.Framing;
using Cosocket.Protocol.Messages;

namespace Cosocket.Protocol.Tests.Messages;

public class MessageAssemblerTests
{
    private static Frame Data(bool fin, Opcode opcode, byte[] payload) => new(fin, opcode, true, payload, null);

    [Fact]
    public void Add_SingleFrameMessage_HandsOnItsPayloadWithoutACopy()
    {
        byte[] payload = [1, 2, 3];
        var message = new MessageAssembler().Add(Data(true, Opcode.Binary, payload));
        Assert.Equal(Opcode.Binary, message!.Value.Opcode);
        Assert.Same(payload, message.Value.Payload);
    }

    [Fact]
    public void Add_Fragments_JoinInOrderWhenTheFinalOneArrives()
    {
        var assembler = new MessageAssembler();
        Assert.Null(assembler.Add(Data(false, Opcode.Text, Wire.Utf8("Hel"))));
        Assert.True(assembler.InMessage);
        Assert.Null(assembler.Add(Data(false, Opcode.Continuation, [])));
        var message = assembler.Add(Data(true, Opcode.Continuation, Wire.Utf8("lo")));
        Assert.Equal(Opcode.Text, message!.Value.Opcode);
        Assert.Equal("Hello", Wire.Text(message.Value.Payload));
        Assert.False(assembler.InMessage);
    }

    [Fact]
    public void Add_AfterAMessage_StartsAfresh()
    {
        var assembler = new MessageAssembler();
        assembler.Add(Data(false, Opcode.Binary, [1]));
        assembler.Add(Data(true, Opcode.Continuation, [2]));
        var next = assembler.Add(Data(true, Opcode.Text, Wire.Utf8("x")));
        Assert.Equal(Opcode.Text, next!.Value.Opcode);
        Assert.Equal("x", Wire.Text(next.Value.Payload));
    }
}
