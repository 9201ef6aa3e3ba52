using Microsoft.Extensions.Logging;

namespace Cosocket.Host;

/// <summary>The event ids of the host's own log lines, stable across versions, for log queries and alerts.</summary>
internal static class HostEvents
{
    public static readonly EventId Listening = new(1001, "Listening");
    public static readonly EventId HttpListening = new(1002, "HttpListening");
    public static readonly EventId Drained = new(1003, "Drained");
    public static readonly EventId DrainFailed = new(1004, "DrainFailed");
    public static readonly EventId MemberUp = new(1101, "MemberUp");
    public static readonly EventId MemberLeft = new(1102, "MemberLeft");
    public static readonly EventId MemberRemoved = new(1103, "MemberRemoved");
    public static readonly EventId MemberUnreachable = new(1104, "MemberUnreachable");
    public static readonly EventId MemberReachable = new(1105, "MemberReachable");
}
