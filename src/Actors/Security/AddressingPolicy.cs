using System.Collections.Immutable;
using Cosocket.Actors.Connections;

namespace Cosocket.Actors.Security;

/// <summary>What an identity asks to do to an address.</summary>
public enum AddressingOperation
{
    /// <summary>Receive what is published to a topic.</summary>
    Subscribe,

    /// <summary>Publish to a topic.</summary>
    Publish,

    /// <summary>Send to a user (<c>user:NAME</c>) or a connection (<c>connection:ID</c>).</summary>
    Send,
}

/// <summary>
/// Who may subscribe to which topics, publish to which, and send to which users and connections.
/// A grant is a pattern: an exact name, or a prefix ending in <c>*</c> (<c>news.*</c>, <c>*</c>).
/// Grants come from the identity's claims (<c>cosocket:subscribe</c>, <c>cosocket:publish</c>,
/// <c>cosocket:send</c>; several in one claim separated by spaces, or the claim repeated) and from
/// <see cref="Everyone"/>, the grants every authenticated identity has. Sends target
/// <c>user:NAME</c> or <c>connection:ID</c>. A user may always send to itself (<c>user:</c> its own
/// name).
/// </summary>
/// <remarks>
/// A name in a <see cref="ReservedPrefixes">reserved namespace</see> (the anonymous chat demo's
/// <c>chat:</c>) is matched only by a pattern that names that namespace (<c>chat:*</c>), never by a
/// broader one such as <c>*</c>: anonymous traffic lives there, and authenticated traffic reaches it
/// only where a token or the operator says so.
/// </remarks>
public sealed record AddressingPolicy
{
    public const string SubscribeClaim = "cosocket:subscribe";
    public const string PublishClaim = "cosocket:publish";
    public const string SendClaim = "cosocket:send";

    /// <summary>The claim (value <c>true</c>) that lets a JWT read the cluster's internals over HTTP.</summary>
    public const string AdminClaim = "cosocket:admin";

    /// <summary>Nothing beyond what tokens grant.</summary>
    public static AddressingPolicy Default { get; } = new();

    /// <summary>Grants every authenticated identity has, beside its claims.</summary>
    public ImmutableDictionary<AddressingOperation, ImmutableArray<string>> Everyone { get; init; } =
        ImmutableDictionary<AddressingOperation, ImmutableArray<string>>.Empty;

    public ImmutableArray<string> ReservedPrefixes { get; init; } = ["chat:"];

    /// <summary>
    /// A decision of the application's own, asked first: true or false decides, null leaves the
    /// decision to the grants.
    /// </summary>
    public Func<ConnectionIdentity, AddressingOperation, string, bool?>? Callback { get; init; }

    /// <summary>Null when <paramref name="identity"/> may do <paramref name="operation"/> to
    /// <paramref name="target"/>, else the denial a client is told.</summary>
    public string? Check(ConnectionIdentity identity, AddressingOperation operation, string target)
    {
        ArgumentNullException.ThrowIfNull(identity);
        bool allowed = Callback?.Invoke(identity, operation, target)
            ?? ((operation == AddressingOperation.Send && target == "user:" + identity.User)
                || Grants(identity, operation).Any(pattern => Matches(pattern, target)));
        return allowed ? null : $"not allowed to {Verb(operation)} {target}";
    }

    private IEnumerable<string> Grants(ConnectionIdentity identity, AddressingOperation operation) =>
        identity.Values(ClaimOf(operation)).Concat(Everyone.GetValueOrDefault(operation, []));

    /// <summary>An exact name, or a prefix ending in <c>*</c>; a reserved namespace needs a pattern that names it.</summary>
    public bool Matches(string pattern, string target)
    {
        bool match = pattern.EndsWith('*') ? target.StartsWith(pattern[..^1], StringComparison.Ordinal) : pattern == target;
        if (!match)
            return false;
        foreach (string reserved in ReservedPrefixes)
        {
            if (target.StartsWith(reserved, StringComparison.Ordinal) && !pattern.StartsWith(reserved, StringComparison.Ordinal))
                return false;
        }
        return true;
    }

    private static string ClaimOf(AddressingOperation operation) => operation switch
    {
        AddressingOperation.Subscribe => SubscribeClaim,
        AddressingOperation.Publish => PublishClaim,
        _ => SendClaim,
    };

    private static string Verb(AddressingOperation operation) => operation switch
    {
        AddressingOperation.Subscribe => "subscribe to",
        AddressingOperation.Publish => "publish to",
        _ => "send to",
    };
}
