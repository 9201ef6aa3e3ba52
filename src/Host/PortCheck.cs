using System.Net;
using System.Net.Sockets;

namespace Cosocket.Host;

/// <summary>
/// Before anything starts: can this node have the ports it is configured with? A port another
/// process holds is the commonest start-up failure an operator meets; it is reported in one line
/// naming the port and what it is for, instead of a failed start with stack traces.
/// </summary>
public static class PortCheck
{
    /// <summary>Why the node cannot start on its ports, or null. Binds each configured port briefly
    /// (without SO_REUSEPORT, so a port another process shares that way counts as taken).</summary>
    public static string? FindConflict(HostSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var wanted = new List<(IPEndPoint EndPoint, string Use)> { (settings.Listen, "WebSocket") };
        if (settings.HttpListen is { } http)
            wanted.Add((http, "HTTP"));
        if (settings.Cluster is { Port: > 0 } cluster)
            wanted.Add((new IPEndPoint(IPAddress.TryParse(cluster.Hostname, out var address) ? address : IPAddress.Any, cluster.Port), "cluster"));
        foreach (var (endPoint, use) in wanted)
        {
            if (endPoint.Port == 0)
                continue;
            using var probe = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                probe.Bind(endPoint);
            }
            catch (SocketException error)
            {
                string cause = error.SocketErrorCode switch
                {
                    SocketError.AddressAlreadyInUse => "address already in use",
                    SocketError.AddressNotAvailable => "no such address on this machine",
                    SocketError.AccessDenied => "permission denied",
                    _ => error.Message,
                };
                return $"cannot listen on {endPoint} ({use} port): {cause}";
            }
        }
        return null;
    }
}
