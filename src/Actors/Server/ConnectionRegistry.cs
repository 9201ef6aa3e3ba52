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

    private readonly CosocketTelemetry.LiveConnections _live;

    /// <param name="listener">How the <c>cosocket.connections</c> gauge names this registry's listener.</param>
    public ConnectionRegistry(string listener)
    {
        _live = new CosocketTelemetry.LiveConnections(listener);
        CosocketTelemetry.Observe(_live);
        Receive<Register>(m =>
        {
            if (_byActor.TryAdd(m.Info.Connection, m.Info))
                _live.Add(1);
            _byId[m.Info.Id] = m.Info;
            Context.Watch(m.Info.Connection);
        });
        Receive<Terminated>(m =>
        {
            if (_byActor.Remove(m.ActorRef, out var info))
            {
                _byId.Remove(info.Id);
                _live.Add(-1);
            }
        });
        Receive<GetConnections>(_ => Sender.Tell(new Connections([.. _byActor.Values.OrderBy(c => c.Started)])));
        Receive<GetCount>(_ => Sender.Tell(new Count(_byActor.Count)));
        Receive<Lookup>(m => Sender.Tell(new LookupResult(m.Id, _byId.TryGetValue(m.Id, out var info) ? info.Connection : null)));
    }

    protected override void PostStop() => CosocketTelemetry.StopObserving(_live);

    public static Props Props(string listener = "") => Akka.Actor.Props.Create(() => new ConnectionRegistry(listener));
}
