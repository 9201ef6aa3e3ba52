namespace Cosocket.Actors.Cluster;

/// <summary>
/// What a topic or user name may be: 1 to <see cref="MaxLength"/> characters, none of them a
/// control character. Names become actor path elements and log fields, and come from clients.
/// </summary>
public static class AddressNames
{
    public const int MaxLength = 256;

    /// <summary>Why <paramref name="name"/> cannot name a <paramref name="kind"/> ("topic", "user"), or null.</summary>
    public static string? Check(string kind, string? name) =>
        string.IsNullOrEmpty(name) || name.Length > MaxLength || name.Any(char.IsControl)
            ? $"a {kind} must be 1 to {MaxLength} characters, none of them a control character"
            : null;
}
