namespace Cosocket.Protocol.Handshake;

/// <summary>One extension of a <c>Sec-WebSocket-Extensions</c> list, with its parameters in order
/// (a parameter without a value has a null one).</summary>
public sealed record ExtensionOffer(string Name, IReadOnlyList<KeyValuePair<string, string?>> Parameters);

/// <summary>
/// The <c>Sec-WebSocket-Extensions</c> grammar of RFC 6455 §9.1:
/// <c>extension-list = 1#extension</c>, <c>extension = extension-token *( ";" extension-param )</c>,
/// <c>extension-param = token [ "=" (token | quoted-string) ]</c>, where a quoted value must itself be
/// a token once unquoted. Every field of that name is one list (RFC 9110 §5.3).
/// </summary>
public static class ExtensionHeader
{
    public const string Name = "Sec-WebSocket-Extensions";

    /// <summary>The extensions of every field named <see cref="Name"/>, in order; null when any of
    /// them breaks the grammar (then none of them can be trusted).</summary>
    public static IReadOnlyList<ExtensionOffer>? Parse(HttpHeaders headers)
    {
        var extensions = new List<ExtensionOffer>();
        foreach (var field in headers.Fields)
        {
            if (string.Equals(field.Key, Name, StringComparison.OrdinalIgnoreCase) && !ParseList(field.Value, extensions))
                return null;
        }
        return extensions;
    }

    /// <summary>Parses one field value into <paramref name="into"/>; false when it breaks the grammar.</summary>
    private static bool ParseList(string value, List<ExtensionOffer> into)
    {
        int at = 0;
        while (true)
        {
            SkipSpace(value, ref at);
            if (at == value.Length)
                return true;
            if (value[at] == ',')
            {
                at++; // RFC 9110 §5.6.1: empty list elements are ignored
                continue;
            }
            if (ReadToken(value, ref at) is not { } name)
                return false;
            var parameters = new List<KeyValuePair<string, string?>>();
            SkipSpace(value, ref at);
            while (at < value.Length && value[at] == ';')
            {
                at++;
                SkipSpace(value, ref at);
                if (ReadToken(value, ref at) is not { } parameter)
                    return false;
                SkipSpace(value, ref at);
                string? parameterValue = null;
                if (at < value.Length && value[at] == '=')
                {
                    at++;
                    SkipSpace(value, ref at);
                    parameterValue = at < value.Length && value[at] == '"' ? ReadQuoted(value, ref at) : ReadToken(value, ref at);
                    if (parameterValue is null)
                        return false;
                    SkipSpace(value, ref at);
                }
                parameters.Add(new(parameter, parameterValue));
            }
            into.Add(new ExtensionOffer(name, parameters));
            if (at == value.Length)
                return true;
            if (value[at] != ',')
                return false;
            at++;
        }
    }

    /// <summary>Formats one extension as a list element: <c>name; param; param=value</c>.</summary>
    public static string Format(ExtensionOffer extension)
    {
        var text = new System.Text.StringBuilder(extension.Name);
        foreach (var (parameter, value) in extension.Parameters)
        {
            text.Append("; ").Append(parameter);
            if (value is not null)
                text.Append('=').Append(value);
        }
        return text.ToString();
    }

    private static string? ReadToken(string value, ref int at)
    {
        int start = at;
        while (at < value.Length && HttpHead.IsToken(value.AsSpan(at, 1)))
            at++;
        return at > start ? value[start..at] : null;
    }

    /// <summary>A quoted-string (RFC 9110 §5.6.4) whose content is a token, as §9.1 requires of an
    /// extension parameter's quoted value.</summary>
    private static string? ReadQuoted(string value, ref int at)
    {
        var content = new System.Text.StringBuilder();
        at++; // the opening quote
        while (at < value.Length && value[at] != '"')
        {
            if (value[at] == '\\')
            {
                at++;
                if (at == value.Length)
                    return null;
            }
            content.Append(value[at]);
            at++;
        }
        if (at == value.Length)
            return null; // no closing quote
        at++;
        string text = content.ToString();
        return text.Length > 0 && HttpHead.IsToken(text) ? text : null;
    }

    private static void SkipSpace(string value, ref int at)
    {
        while (at < value.Length && value[at] is ' ' or '\t')
            at++;
    }
}
