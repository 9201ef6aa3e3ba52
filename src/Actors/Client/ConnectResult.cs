namespace Cosocket.Actors.Client;

/// <summary>
/// The seed's <c>ok, err, res = connect(...)</c>: <see cref="Ok"/> is 1 on success, with
/// <see cref="Res"/> the raw response head (status line and headers, no final CRLFCRLF). On failure
/// <see cref="Ok"/> is null and <see cref="Err"/> says why; <see cref="Res"/> is still the head when
/// one was read (a non-101 status, D2).
/// </summary>
public readonly record struct ConnectResult(int? Ok, string? Err, string? Res)
{
    public static ConnectResult Failure(string err, string? res = null) => new(null, err, res);

    public void Deconstruct(out int? ok, out string? err, out string? res)
    {
        ok = Ok;
        err = Err;
        res = Res;
    }
}
