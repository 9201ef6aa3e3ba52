using Akka.Configuration;

namespace Cosocket.Actors.Connections;

/// <summary>What a connection does when its peer sends faster than its rate limit.</summary>
public enum RateLimitPolicy
{
    /// <summary>Stop reading until the peer is within its rate again: TCP's flow control slows the peer down.</summary>
    Pause,

    /// <summary>Close the connection with 1008 <c>rate limit exceeded</c>.</summary>
    Close,
}

/// <summary>
/// A per-connection limit on what the peer sends: messages per second (every data message counts
/// once, however many fragments it has, and every control frame counts once, so a ping flood is
/// limited too) and bytes per second (every byte read, headers included). Each is a token bucket
/// that holds one second's worth: a burst of up to the rate is taken at once. Zero turns a limit off.
/// </summary>
public sealed record RateLimitOptions(double MessagesPerSecond, long BytesPerSecond, RateLimitPolicy Policy = RateLimitPolicy.Pause)
{
    /// <summary>The close reason (with 1008) of <see cref="RateLimitPolicy.Close"/>.</summary>
    public const string Exceeded = "rate limit exceeded";

    public string? Validate() =>
        MessagesPerSecond < 0 || BytesPerSecond < 0 ? "rate limits must not be negative" : null;

    /// <summary>A <c>rate-limit { messages-per-second, bytes-per-second, policy = pause|close }</c>
    /// section; null when it is absent or both limits are 0.</summary>
    public static RateLimitOptions? FromConfig(Config? section)
    {
        if (section is null || section.IsEmpty)
            return null;
        string policy = section.GetString("policy", "pause");
        var options = new RateLimitOptions(section.GetDouble("messages-per-second", 0), section.GetByteSize("bytes-per-second") ?? 0,
            policy switch
            {
                "pause" => RateLimitPolicy.Pause,
                "close" => RateLimitPolicy.Close,
                _ => throw new ConfigurationException($"rate-limit.policy: \"{policy}\" is not pause or close"),
            });
        if (options.Validate() is { } error)
            throw new ConfigurationException("rate-limit: " + error);
        return options.MessagesPerSecond == 0 && options.BytesPerSecond == 0 ? null : options;
    }
}
