using System.Net;
using Akka.Actor;
using Cosocket.Actors.Connections;

namespace Cosocket.Actors.Server;

/// <summary>A live WebSocket connection, as the registry lists it; <paramref name="Identity"/> is who
/// it was authenticated as at the handshake, null for an anonymous one.</summary>
public sealed record ConnectionInfo(string Id, EndPoint? RemoteEndPoint, string Path, DateTimeOffset Started, IActorRef Connection,
    ConnectionIdentity? Identity = null);
