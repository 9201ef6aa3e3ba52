using System.Collections.Immutable;
using Akka.Actor;

namespace Cosocket.Actors.Server;

/// <summary>
/// The live WebSocket connections of this node: each registers when it upgrades and is removed when
/// its actor stops (death watch), so the list is exact without the connections having to deregister.
/// </summary>
public sealed class ConnectionRegistry : ReceiveActor
{
    public sealed record Register(ConnectionInfo Info);
    public sealed record GetConnections;
    public sealed record Connections(ImmutableArray<ConnectionInfo> All);
    public sealed record GetCount;
    public sealed record Count(int Value);
    public sealed record Lookup(string Id);
    public sealed record LookupResult(string Id, IActorRef? Connection);

    private readonly Dictionary<IActorRef, ConnectionInfo> _byActor = [];
    private readonly Dictionary<string, ConnectionInfo> _byId = new(StringComparer.Ordinal);

    public ConnectionRegistry()
    {
        Receive<Register>(m =>
        {
            _byActor[m.Info.Connection] = m.Info;
            _byId[m.Info.Id] = m.Info;
            Context.Watch(m.Info.Connection);
        });
        Receive<Terminated>(m =>
        {
            if (_byActor.Remove(m.ActorRef, out var info))
                _byId.Remove(info.Id);
        });
        Receive<GetConnections>(_ => Sender.Tell(new Connections([.. _byActor.Values.OrderBy(c => c.Started)])));
        Receive<GetCount>(_ => Sender.Tell(new Count(_byActor.Count)));
        Receive<Lookup>(m => Sender.Tell(new LookupResult(m.Id, _byId.TryGetValue(m.Id, out var info) ? info.Connection : null)));
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new ConnectionRegistry());
}
