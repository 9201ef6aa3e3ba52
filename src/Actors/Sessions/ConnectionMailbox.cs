using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;
using Akka.Streams;

namespace Cosocket.Actors.Sessions;

/// <summary>
/// The dispatcher of every connection's two actors (its connection actor and its stream's
/// interpreter): the default dispatcher's thread pool, with <see cref="ConnectionMailbox"/>.
/// </summary>
internal static class ConnectionDispatcher
{
    public const string Id = "cosocket.connection-dispatcher";

    private static readonly Config s_config = ConfigurationFactory.ParseString($$"""
        cosocket.connection-dispatcher {
          type = Dispatcher
          throughput = 30
          mailbox-type = "{{typeof(ConnectionMailbox).AssemblyQualifiedName}}"
        }
        """);

    /// <summary>Makes the dispatcher known to <paramref name="system"/> (once; later calls do nothing).</summary>
    public static void Register(ActorSystem system)
    {
        if (!system.Settings.Config.HasPath(Id))
            system.Settings.InjectTopLevelFallback(s_config);
    }

    /// <summary>A materializer, child of <paramref name="context"/>'s actor, whose graphs' interpreters run on this dispatcher.</summary>
    public static IMaterializer Materializer(IActorContext context)
    {
        Register(context.System);
        return context.Materializer(ActorMaterializerSettings.Create(context.System).WithDispatcher(Id));
    }
}

/// <summary>
/// A mailbox that starts empty and grows with what waits in it. The default one starts each actor
/// with a 32-slot segment (about 1 KB), and a connection has two actors that are idle nearly all the
/// time: this is a tenth of an idle connection's memory, for queues that hold one message or none.
/// </summary>
internal sealed class ConnectionMailbox(Settings settings, Config config) : MailboxType(settings, config), IProducesMessageQueue<ConnectionMessageQueue>
{
    public override IMessageQueue Create(IActorRef owner, ActorSystem system) => new ConnectionMessageQueue();
}

/// <summary>An unbounded queue under a lock: senders are few and brief, and it holds no array while empty.</summary>
internal sealed class ConnectionMessageQueue : IMessageQueue, IUnboundedMessageQueueSemantics
{
    /// <summary>A queue that grew past this is dropped once empty, so a burst does not keep its array.</summary>
    private const int KeptCapacity = 32;

    private readonly Lock _lock = new();
    private Queue<Envelope> _queue = new();
    private int _count;

    public bool HasMessages => Volatile.Read(ref _count) > 0;

    public int Count => Volatile.Read(ref _count);

    public void Enqueue(IActorRef receiver, Envelope envelope)
    {
        lock (_lock)
        {
            _queue.Enqueue(envelope);
            _count++;
        }
    }

    public bool TryDequeue(out Envelope envelope)
    {
        if (Volatile.Read(ref _count) == 0)
        {
            envelope = default;
            return false;
        }
        lock (_lock)
        {
            if (!_queue.TryDequeue(out envelope))
                return false;
            if (--_count == 0 && _queue.EnsureCapacity(0) > KeptCapacity)
                _queue = new Queue<Envelope>();
            return true;
        }
    }

    public void CleanUp(IActorRef owner, IMessageQueue deadletters)
    {
        while (TryDequeue(out var envelope))
            deadletters.Enqueue(owner, envelope);
    }
}
