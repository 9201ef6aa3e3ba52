namespace Cosocket.Protocol.Handshake;

/// <summary>
/// Header fields of an HTTP/1.1 head in arrival order. Lookup is case-insensitive by name and, as in
/// ngx_lua, the first occurrence of a repeated header wins.
/// </summary>
public sealed class HttpHeaders
{
    private readonly List<KeyValuePair<string, string>> _fields;

    public HttpHeaders(List<KeyValuePair<string, string>> fields) => _fields = fields;

    public int Count => _fields.Count;

    public IReadOnlyList<KeyValuePair<string, string>> Fields => _fields;

    /// <summary>The value of the first field named <paramref name="name"/>, or null.</summary>
    public string? this[string name]
    {
        get
        {
            foreach (var field in _fields)
            {
                if (string.Equals(field.Key, name, StringComparison.OrdinalIgnoreCase))
                    return field.Value;
            }
            return null;
        }
    }

    /// <summary>How many fields are named <paramref name="name"/>.</summary>
    public int CountOf(string name)
    {
        int count = 0;
        foreach (var field in _fields)
        {
            if (string.Equals(field.Key, name, StringComparison.OrdinalIgnoreCase))
                count++;
        }
        return count;
    }

    /// <summary>
    /// The comma-separated elements of every field named <paramref name="name"/>, trimmed, empty ones
    /// dropped (the list syntax of RFC 9110 §5.6.1, which Sec-WebSocket-Protocol uses).
    /// </summary>
    public IEnumerable<string> GetListElements(string name)
    {
        foreach (var field in _fields)
        {
            if (!string.Equals(field.Key, name, StringComparison.OrdinalIgnoreCase))
                continue;
            foreach (string element in field.Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                yield return element;
        }
    }
}
