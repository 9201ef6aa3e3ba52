using System.Collections.Immutable;

namespace Cosocket.Actors.Security;

/// <summary>
/// Which web pages may open connections: the defence against cross-site WebSocket hijacking (a page
/// on another site opening a connection with the browser's credentials). Browsers always send the
/// page's <c>Origin</c> with an upgrade and no script can change it (RFC 6455 §10.2: "servers that
/// are not intended to process input from any web page but only for certain sites SHOULD verify the
/// |Origin| field"); clients that are not browsers send none and are not affected.
/// </summary>
/// <remarks>
/// Allowed: an <c>Origin</c> on <see cref="AllowedOrigins"/> (exact, case-insensitive, like
/// <c>https://app.example.com</c>; <c>*</c> allows every page), and a page of the same host as the
/// request's <c>Host</c> on the same port (same origin) or on one of <see cref="SameHostPorts"/> (the
/// host's own HTTP side, which serves the chat page). Anything else, <c>null</c> origins of sandboxed
/// and local pages included, is refused with 403.
/// </remarks>
public sealed record OriginPolicy
{
    /// <summary>Same origin only.</summary>
    public static OriginPolicy SameOrigin { get; } = new();

    /// <summary>Every page: no check (what the seed does).</summary>
    public static OriginPolicy Any { get; } = new() { AllowedOrigins = ["*"] };

    public ImmutableArray<string> AllowedOrigins { get; init; } = [];

    public ImmutableArray<int> SameHostPorts { get; init; } = [];

    /// <summary>Equal when the lists are (an <see cref="ImmutableArray{T}"/> alone compares its array's reference).</summary>
    public bool Equals(OriginPolicy? other) =>
        other is not null && AllowedOrigins.SequenceEqual(other.AllowedOrigins) && SameHostPorts.SequenceEqual(other.SameHostPorts);

    public override int GetHashCode() => HashCode.Combine(AllowedOrigins.Length, SameHostPorts.Length);

    /// <summary>Null when the request may proceed, else why not (the 403's body).</summary>
    public string? Check(string? origin, string? host)
    {
        if (origin is null)
            return null; // not a browser
        foreach (string allowed in AllowedOrigins)
        {
            if (allowed == "*" || string.Equals(allowed.TrimEnd('/'), origin, StringComparison.OrdinalIgnoreCase))
                return null;
        }
        if (host is not null && Uri.TryCreate(origin, UriKind.Absolute, out var page) && page.Scheme is "http" or "https"
            && Uri.TryCreate("http://" + host, UriKind.Absolute, out var target)
            && string.Equals(page.IdnHost, target.IdnHost, StringComparison.OrdinalIgnoreCase)
            && (page.Port == target.Port || (page.IsDefaultPort && target.IsDefaultPort) || SameHostPorts.Contains(page.Port)))
            return null;
        return $"origin not allowed: {origin}";
    }
}
