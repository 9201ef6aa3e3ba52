namespace Cosocket.Actors.Connections;

/// <summary>The seed's <c>bytes, err</c>: the bytes written to the connection (the whole frame,
/// header included), or null and the error.</summary>
public readonly record struct SendResult(int? Bytes, string? Err)
{
    public static SendResult Failure(string err) => new(null, err);

    public void Deconstruct(out int? bytes, out string? err)
    {
        bytes = Bytes;
        err = Err;
    }
}
