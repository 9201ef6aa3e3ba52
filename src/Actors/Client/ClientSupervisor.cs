using Akka.Actor;
using Akka.Streams;

namespace Cosocket.Actors.Client;

/// <summary>
/// Parent of an actor system's client connections: it starts one <see cref="ClientConnectionActor"/>
/// per connect, with one materializer for all of them, and stops (never restarts) a failed one.
/// </summary>
public sealed class ClientSupervisor : ReceiveActor
{
    internal sealed record Open;
    internal sealed record Opened(IActorRef Connection, string Id);

    private readonly IMaterializer _materializer = Context.Materializer();

    public ClientSupervisor()
    {
        Receive<Open>(_ =>
        {
            string id = Guid.NewGuid().ToString("N");
            Sender.Tell(new Opened(Context.ActorOf(ClientConnectionActor.Props(id, _materializer), "client-" + id), id));
        });
    }

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    public static Props Props() => Akka.Actor.Props.Create(() => new ClientSupervisor());
}

/// <summary>The actor system's one <see cref="ClientSupervisor"/>.</summary>
public sealed class CosocketClients : IExtension
{
    public CosocketClients(ExtendedActorSystem system) => Supervisor = system.SystemActorOf(ClientSupervisor.Props(), "cosocket-clients");

    public IActorRef Supervisor { get; }

    public static CosocketClients Get(ActorSystem system) => system.WithExtension<CosocketClients, CosocketClientsProvider>();
}

public sealed class CosocketClientsProvider : ExtensionIdProvider<CosocketClients>
{
    public override CosocketClients CreateExtension(ExtendedActorSystem system) => new(system);
}
