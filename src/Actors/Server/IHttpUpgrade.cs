using System.Net;
using Cosocket.Actors.Connections;
using Cosocket.Protocol.Handshake;

namespace Cosocket.Actors.Server;

/// <summary>
/// An upgrade request that another HTTP server read (Kestrel, through <c>Cosocket.AspNetCore</c>):
/// that server writes Cosocket's answer and owns the connection. Once upgraded, the connection runs
/// as one accepted by Cosocket's own listener does: the same actor, stages, APIs and registry.
/// </summary>
public interface IHttpUpgrade
{
    /// <summary>The request as Cosocket's handshake rules read it (method, target, version, headers).</summary>
    HttpRequestHead Head { get; }

    EndPoint? RemoteEndPoint { get; }

    /// <summary>Who the host's own authentication found the request to come from; null: anonymous
    /// (the listener's <see cref="ServerOptions.Authenticator"/>, if any, then decides).</summary>
    ConnectionIdentity? Identity { get; }

    /// <summary>Writes the 101 with <paramref name="headers"/> and returns the upgraded connection's stream.</summary>
    Task<Stream> AcceptAsync(IReadOnlyList<KeyValuePair<string, string>> headers);

    /// <summary>Answers the request with <paramref name="status"/>, <paramref name="headers"/> and <paramref name="body"/>, without upgrading.</summary>
    Task RejectAsync(int status, IReadOnlyList<KeyValuePair<string, string>> headers, ReadOnlyMemory<byte> body);
}
