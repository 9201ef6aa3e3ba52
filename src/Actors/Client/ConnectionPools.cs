using Akka.Actor;
using Akka.Streams;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Sessions;

namespace Cosocket.Actors.Client;

/// <summary>
/// The supervisor of an actor system's client connections and their keepalive pools (docs/compatibility.md §3.3
/// step 6, §3.4 <c>set_keepalive</c>, D9). Pools are keyed by the <c>pool</c> option, by
/// default <c>host:port</c> (the socket path for Unix sockets); a connection is only ever reused by
/// the same key.
/// <list type="bullet">
/// <item>A pool keeps at most <c>pool_size</c> idle connections (default 30, as ngx_lua): past that the
/// least recently used is closed. Each idle connection expires after its <c>max_idle_timeout</c>
/// (0: never) through a timer. An idle connection the peer closes or sends data on is discarded,
/// never handed out. The most recently released is handed out first.</item>
/// <item>With <c>backlog</c>, at most <c>pool_size</c> connections of the pool are open at once;
/// further connects wait in a queue of at most <c>backlog</c> held here (not a blocking mailbox):
/// <c>too many waiting connect operations</c> when it is full, <c>timeout</c> when a waiter outlives
/// the connect timeout. A waiter proceeds as soon as a connection of the pool closes or is released.</item>
/// </list>
/// A failed connection actor is stopped, never restarted.
/// </summary>
public sealed class ConnectionPools : ReceiveActor, IWithTimers
{
    /// <summary>ngx_lua's <c>lua_socket_pool_size</c>.</summary>
    public const int DefaultPoolSize = 30;

    /// <summary>ngx_lua's <c>lua_socket_keepalive_timeout</c>.</summary>
    public static readonly TimeSpan DefaultMaxIdleTimeout = TimeSpan.FromSeconds(60);

    public const string TooManyWaiting = "failed to connect: too many waiting connect operations";
    public const string WaitTimedOut = "failed to connect: timeout";

    internal sealed record Acquire(string PoolKey, int? PoolSize, int? Backlog, TimeSpan? Timeout);
    internal sealed record OpenNew(IActorRef Connection, string Id);
    internal sealed record Reuse(IActorRef Connection, FrameConnection Established);
    internal sealed record AcquireFailed(string Err);
    internal sealed record Release(string PoolKey, IActorRef Connection, FrameConnection Established, TimeSpan? MaxIdleTimeout, int? PoolSize);
    internal sealed record Released;
    internal sealed record IdleDisturbed(IActorRef Connection);
    public sealed record GetPoolStats(string PoolKey);
    public sealed record PoolStats(int Open, int Idle, int Waiting);
    private sealed record WaiterTimedOut(string PoolKey, long Id);
    private sealed record IdleExpired(IActorRef Connection, long Generation);

    private sealed record Idle(IActorRef Connection, FrameConnection Established, long Generation);
    private sealed record Waiter(long Id, IActorRef ReplyTo);

    private sealed class Pool(int size, int? limit, int backlog)
    {
        public int Size { get; } = size;
        /// <summary>Most connections open at once: pool_size when backlog was given.</summary>
        public int? Limit { get; } = limit;
        public int Backlog { get; } = backlog;
        public int Open { get; set; }
        public LinkedList<Idle> Idle { get; } = [];
        public LinkedList<Waiter> Waiters { get; } = [];
    }

    private readonly IMaterializer _materializer = ConnectionDispatcher.Materializer(Context);
    private readonly Dictionary<string, Pool> _pools = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, string> _poolOf = [];
    private long _next;

    public ConnectionPools()
    {
        Receive<Acquire>(OnAcquire);
        Receive<Release>(OnRelease);
        Receive<WaiterTimedOut>(OnWaiterTimedOut);
        Receive<IdleExpired>(m => Discard(m.Connection, m.Generation));
        Receive<IdleDisturbed>(m => Discard(m.Connection, generation: null));
        Receive<Terminated>(OnTerminated);
        Receive<GetPoolStats>(m => Sender.Tell(_pools.TryGetValue(m.PoolKey, out var pool)
            ? new PoolStats(pool.Open, pool.Idle.Count, pool.Waiters.Count)
            : new PoolStats(0, 0, 0)));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props() => Akka.Actor.Props.Create(() => new ConnectionPools());

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    private Pool PoolFor(string key, int? poolSize, int? backlog)
    {
        if (!_pools.TryGetValue(key, out var pool))
        {
            // As ngx_lua: a pool's size is fixed when it is created.
            int size = poolSize ?? DefaultPoolSize;
            pool = new Pool(size, backlog is null ? null : size, backlog ?? 0);
            _pools[key] = pool;
        }
        return pool;
    }

    private void OnAcquire(Acquire acquire)
    {
        var pool = PoolFor(acquire.PoolKey, acquire.PoolSize, acquire.Backlog);
        if (pool.Idle.Last is { } last)
        {
            pool.Idle.RemoveLast();
            Hand(last.Value, Sender);
            return;
        }
        if (pool.Limit is { } limit && pool.Open >= limit)
        {
            if (pool.Waiters.Count >= pool.Backlog)
            {
                Sender.Tell(new AcquireFailed(TooManyWaiting));
                return;
            }
            long id = ++_next;
            pool.Waiters.AddLast(new Waiter(id, Sender));
            if (acquire.Timeout is { } timeout && timeout > TimeSpan.Zero)
                Timers.StartSingleTimer(WaiterTimer(id), new WaiterTimedOut(acquire.PoolKey, id), timeout);
            return;
        }
        Sender.Tell(OpenConnection(acquire.PoolKey, pool));
    }

    private OpenNew OpenConnection(string key, Pool pool)
    {
        string id = Guid.NewGuid().ToString("N");
        var connection = Context.Watch(Context.ActorOf(ClientRole.Props(id, _materializer), "client-" + id));
        _poolOf[connection] = key;
        pool.Open++;
        return new OpenNew(connection, id);
    }

    private void Hand(Idle idle, IActorRef to)
    {
        Timers.Cancel(IdleTimer(idle.Connection));
        idle.Connection.Tell(new ClientRole.LeaveIdle());
        to.Tell(new Reuse(idle.Connection, idle.Established));
    }

    private void OnRelease(Release release)
    {
        Sender.Tell(new Released());
        var pool = PoolFor(release.PoolKey, release.PoolSize, null);
        var idle = new Idle(release.Connection, release.Established, ++_next);
        // A waiter of this pool takes it at once.
        if (pool.Waiters.First is { } waiter)
        {
            pool.Waiters.RemoveFirst();
            Timers.Cancel(WaiterTimer(waiter.Value.Id));
            Hand(idle, waiter.Value.ReplyTo);
            return;
        }
        release.Connection.Tell(new ClientRole.EnterIdle(Self));
        pool.Idle.AddLast(idle);
        var maxIdle = release.MaxIdleTimeout ?? DefaultMaxIdleTimeout;
        if (maxIdle > TimeSpan.Zero)
            Timers.StartSingleTimer(IdleTimer(release.Connection), new IdleExpired(release.Connection, idle.Generation), maxIdle);
        if (pool.Idle.Count > pool.Size && pool.Idle.First is { } oldest)
            Discard(oldest.Value.Connection, oldest.Value.Generation);
    }

    /// <summary>Closes an idle connection (expired, disturbed, or evicted as least recently used).</summary>
    private void Discard(IActorRef connection, long? generation)
    {
        if (_poolOf.TryGetValue(connection, out var key) && _pools.TryGetValue(key, out var pool) && RemoveIdle(pool, connection, generation))
            connection.Tell(new ConnectionActor.Shutdown());
    }

    /// <summary>Takes <paramref name="connection"/> out of the pool's idle list (only the given
    /// generation of it, when one is given) and stops its idle timer.</summary>
    private bool RemoveIdle(Pool pool, IActorRef connection, long? generation)
    {
        for (var node = pool.Idle.First; node is not null; node = node.Next)
        {
            if (node.Value.Connection.Equals(connection) && (generation is null || node.Value.Generation == generation))
            {
                pool.Idle.Remove(node);
                Timers.Cancel(IdleTimer(connection));
                return true;
            }
        }
        return false;
    }

    private void OnWaiterTimedOut(WaiterTimedOut timedOut)
    {
        if (!_pools.TryGetValue(timedOut.PoolKey, out var pool))
            return;
        for (var node = pool.Waiters.First; node is not null; node = node.Next)
        {
            if (node.Value.Id == timedOut.Id)
            {
                pool.Waiters.Remove(node);
                node.Value.ReplyTo.Tell(new AcquireFailed(WaitTimedOut));
                return;
            }
        }
    }

    private void OnTerminated(Terminated terminated)
    {
        var connection = terminated.ActorRef;
        if (!_poolOf.Remove(connection, out var key) || !_pools.TryGetValue(key, out var pool))
            return;
        RemoveIdle(pool, connection, generation: null);
        pool.Open--;
        // A slot is free: the first waiter opens a connection.
        if (pool.Waiters.First is { } waiter)
        {
            pool.Waiters.RemoveFirst();
            Timers.Cancel(WaiterTimer(waiter.Value.Id));
            waiter.Value.ReplyTo.Tell(OpenConnection(key, pool));
        }
    }

    private static string WaiterTimer(long id) => "waiter-" + id;

    private static string IdleTimer(IActorRef connection) => "idle-" + connection.Path.Name;
}

/// <summary>The actor system's one <see cref="ConnectionPools"/>.</summary>
public sealed class CosocketClients : IExtension
{
    public CosocketClients(ExtendedActorSystem system) => Pools = system.SystemActorOf(ConnectionPools.Props(), "cosocket-clients");

    public IActorRef Pools { get; }

    public static CosocketClients Get(ActorSystem system) => system.WithExtension<CosocketClients, CosocketClientsProvider>();
}

public sealed class CosocketClientsProvider : ExtensionIdProvider<CosocketClients>
{
    public override CosocketClients CreateExtension(ExtendedActorSystem system) => new(system);
}
