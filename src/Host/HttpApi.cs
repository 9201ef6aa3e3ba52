using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using Akka.Cluster;
using Cosocket.Actors.Cluster;
using Cosocket.Actors.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Server;
using Cosocket.Actors.Transport;
using Cosocket.AspNetCore;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using System.Net;

namespace Cosocket.Host;

/// <summary>
/// The HTTP side of the service, on Kestrel at <c>cosocket.http.listen</c>: the chat page at
/// <c>/</c>, health, cluster membership, and the publish API by which non-.NET producers reach
/// connections: <c>POST /api/topics/{topic}</c>, <c>/api/users/{user}</c>, <c>/api/connections/{id}</c>,
/// the body sent as a text message (or binary with <c>Content-Type: application/octet-stream</c>),
/// protected by <c>Authorization: Bearer</c> with the static token or a JWT (<see cref="HostAuth"/>);
/// membership and metrics need the static token or a JWT with <c>cosocket:admin</c>. It starts
/// before the WebSocket listener and answers 503 until the listener is bound.
/// </summary>
public sealed class HttpApi(ActorSystem system, HostSettings settings, HostAuth auth, ServerOptions serverOptions, IServiceProvider services,
    IHostApplicationLifetime lifetime, ILogger<HttpApi> logger) : IHostedService
{
    private WebApplication? _app;

    /// <summary>Resolved when first asked: the listener starts after this side.</summary>
    private WebSocketService WebSockets => services.GetRequiredService<WebSocketService>();
    private int _pendingMemberPolls;
    private HostTelemetry.Node? _node;

    /// <summary>Where Kestrel serves the HTTP side, once started.</summary>
    public Uri? Address { get; private set; }

    /// <summary>With Kestrel as the front door: where it serves WebSockets (<c>cosocket.listen</c>), once started.</summary>
    public IPEndPoint? WebSocketEndPoint { get; private set; }

    /// <summary>With Kestrel as the front door: its WebSocket connections (their listener and registry).</summary>
    public HostedWebSockets? Hosted { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        // Kestrel's and ASP.NET Core's warnings and errors (a failed request, a 500) are logged;
        // their start-up chatter is not.
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        // /metrics: the Cosocket meter (connections, handshakes, messages, bytes, closes, deliveries,
        // send latency, memory, the cluster), exported by OpenTelemetry in the Prometheus format.
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(Actors.CosocketTelemetry.Name)
            .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0));
        builder.Services.AddHealthChecks()
            .AddAsyncCheck("listener", async () =>
            {
                if (WebSockets.Binding is null)
                    return HealthCheckResult.Unhealthy("starting");
                return await AcceptErrorAsync() is { } error ? HealthCheckResult.Unhealthy(error) : HealthCheckResult.Healthy();
            }, tags: ["ready"])
            .AddCheck("cluster", () => Cluster.Get(system).SelfMember.Status is var status && status == MemberStatus.Up
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("member status " + status), tags: ["ready"]);
        builder.WebHost.UseKestrel(kestrel =>
        {
            if (!settings.StandaloneFrontDoor)
            {
                // The one port: WebSockets (wss:// with a certificate), the page, the API, health, metrics.
                kestrel.Listen(settings.Listen, listen =>
                {
                    if (settings.Tls is { } tls)
                        listen.UseHttps(HttpsOptions(tls));
                    if (serverOptions.DeadPeerTimeout is { } deadPeer)
                        listen.Use(next => connection =>
                        {
                            if (connection.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionSocketFeature>()?.Socket is { } socket)
                                DeadPeerDetection.Apply(socket, deadPeer);
                            return next(connection);
                        });
                });
                // The upgrade request's limits are the server options' (D4), as on the standalone listener.
                kestrel.Limits.MaxRequestHeadersTotalSize = serverOptions.MaxHeaderLen;
                kestrel.Limits.RequestHeadersTimeout = serverOptions.HandshakeTimeout;
            }
            if (settings.HttpListen is { } http)
                kestrel.Listen(http);
            kestrel.Limits.MaxRequestBodySize = settings.HttpMaxBodyLen;
        });
        // Made once Kestrel has bound (its name carries the port); no request reaches it before the WebSocket service starts.
        builder.Services.AddSingleton(_ => Hosted ?? throw new InvalidOperationException("Kestrel is not the WebSocket front door"));
        _app = builder.Build();
        Map(_app);
        await _app.StartAsync(cancellationToken);
        _node = new HostTelemetry.Node(Cluster.Get(system).SelfAddress.ToString(), Cluster.Get(system), () => Volatile.Read(ref _pendingMemberPolls));
        HostTelemetry.Observe(_node);
        // Kestrel reports its addresses in the order they were listened on: WebSockets first when it is the front door.
        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
        if (!settings.StandaloneFrontDoor)
        {
            WebSocketEndPoint = new IPEndPoint(settings.Listen.Address, addresses[0].Port);
            // A page served on another of Kestrel's ports (http.listen) is this host's own, as is the same origin.
            var admission = serverOptions with { Origins = serverOptions.Origins with { SameHostPorts = [.. addresses.Select(a => a.Port)] } };
            Hosted = HostedWebSockets.Start(system, admission, $"{(settings.Tls is null ? "ws" : "wss")}://{WebSocketEndPoint}",
                CosocketCluster.NodeTag(system) + "-");
        }
        Address = addresses[^1];
        // Said once everything has started (the listener starts after this side): from then on the node serves.
        lifetime.ApplicationStarted.Register(() => logger.LogInformation(HostEvents.HttpListening, "cosocket HTTP on {Address}: /, /health, /metrics, /api", Address));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_node is not null)
            HostTelemetry.StopObserving(_node);
        if (_app is not null)
            await _app.StopAsync(cancellationToken);
    }

    /// <summary>wss:// on the one port: the listener's certificate, and its client certificates when required.</summary>
    private static Microsoft.AspNetCore.Server.Kestrel.Https.HttpsConnectionAdapterOptions HttpsOptions(ServerTls tls) => new()
    {
        ServerCertificate = tls.Certificate,
        ClientCertificateMode = tls.ClientCertificateRequired
            ? Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.RequireCertificate
            : Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.NoCertificate,
        ClientCertificateValidation = (certificate, _, errors) => tls.Validate(certificate, errors),
    };

    private void Map(WebApplication app)
    {
        string page = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "wwwroot", "index.html"));
        // Until the WebSocket listener is bound (it starts after this side), everything but liveness waits.
        // Not an async lambda: a request that passes returns next's task, so a WebSocket that lasts
        // hours does not keep a state machine of this middleware alive.
        app.Use((context, next) =>
        {
            if (WebSockets.Binding is null && context.Request.Path != "/health/live")
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return context.Response.WriteAsync("starting");
            }
            return next(context);
        });
        app.MapGet("/", (HttpContext context) =>
        {
            // The page's WebSocket base: its own origin when Kestrel serves both; with the standalone
            // listener, the host the browser used for this page and the listener's port.
            string scheme = (settings.StandaloneFrontDoor ? settings.Tls is not null : context.Request.IsHttps) ? "wss" : "ws";
            string host = context.Request.Host.Host.Contains(':') ? $"[{context.Request.Host.Host}]" : context.Request.Host.Host;
            int port = settings.StandaloneFrontDoor ? WebSockets.Binding!.EndPoint.Port : context.Connection.LocalPort;
            return Results.Content(page.Replace("{{WS_BASE}}", $"{scheme}://{host}:{port}"), "text/html; charset=utf-8");
        });
        if (!settings.StandaloneFrontDoor)
        {
            // The WebSocket endpoints on Kestrel: the same handlers as on the standalone listener, which
            // the WebSocket service builds when it starts (requests wait for it, as everything does).
            foreach (var endpoint in Endpoints.HostEndpoint.All)
            {
                app.MapCosocket(endpoint.Pattern, request => WebSockets.Routes!.Find(request.Path)!.Handler(request),
                    endpoint.RequireIdentity);
            }
        }
        app.MapGet("/health", HealthAsync);
        // Liveness: the process answers. Readiness: the listener accepts and this node is an Up member.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        app.MapPrometheusScrapingEndpoint("/metrics").AddEndpointFilter(async (context, next) =>
            await AuthenticateAdminAsync(context.HttpContext.Request) ?? await next(context));
        app.MapGet("/api/cluster/members", async (int? count, int? timeout, HttpContext context) =>
            await AdminAsync(context.Request, () => MembersAsync(count, timeout, context)));
        // Who a connection (on any node) was authenticated as: the user and the token's claims.
        app.MapGet("/api/connections/{id}", async (string id, HttpRequest request) => await AdminAsync(request, async () =>
        {
            var found = await WebSockets.Cluster!.GetIdentityAsync(id);
            return found.Err is { } err
                ? Results.NotFound(new { error = err })
                : Results.Ok(new { connection = found.ConnectionId, user = found.User, claims = found.Claims.Select(c => new { type = c.Key, value = c.Value }) });
        }));
        app.MapPost("/api/topics/{topic}", async (string topic, HttpRequest request) => await Authorized(request, AddressNames.Check("topic", topic),
            AddressingOperation.Publish, topic, async deliver =>
        {
            var result = await WebSockets.Cluster!.PublishAsync(topic, deliver);
            return result.Published ? Results.Accepted(value: new { published = true }) : Results.NotFound(new { error = result.Err });
        }));
        app.MapPost("/api/users/{user}", async (string user, HttpRequest request) => await Authorized(request, AddressNames.Check("user", user),
            AddressingOperation.Send, "user:" + user, async deliver => Delivered(await WebSockets.Cluster!.SendToUserAsync(user, deliver))));
        app.MapPost("/api/connections/{id}", async (string id, HttpRequest request) => await Authorized(request, null,
            AddressingOperation.Send, "connection:" + id, async deliver => Delivered(await WebSockets.Cluster!.SendToConnectionAsync(id, deliver))));
    }

    /// <summary>What reveals the cluster's internals (its members' addresses, its counts): the static
    /// token, or a JWT with <c>cosocket:admin</c>.</summary>
    private async Task<IResult> AdminAsync(HttpRequest request, Func<Task<IResult>> action) =>
        await AuthenticateAdminAsync(request) ?? await action();

    /// <summary>Null when the caller may read the cluster's internals, else the refusal.</summary>
    private async Task<IResult?> AuthenticateAdminAsync(HttpRequest request)
    {
        var caller = await auth.AuthenticateAsync(request.Headers.Authorization);
        if (caller.IsRefused)
            return Refused(caller.Status, caller.Err!);
        if (!caller.IsAdmin)
            return Refused(StatusCodes.Status403Forbidden, $"needs the static token or a token with {AddressingPolicy.AdminClaim} = true");
        return null;
    }

    private static IResult Refused(int status, string error)
    {
        var headers = status == StatusCodes.Status401Unauthorized ? "Bearer" : null;
        return new RefusedResult(status, error, headers);
    }

    /// <summary>
    /// 200 <c>ok {member status}</c> while the node serves; 503 <c>degraded: …</c> while its
    /// listener cannot accept connections (out of file descriptors, say), until it can again.
    /// </summary>
    private async Task<IResult> HealthAsync()
    {
        string status = Cluster.Get(system).SelfMember.Status.ToString();
        return await AcceptErrorAsync() is { } error
            ? Results.Text($"degraded {status}: {error}", statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Text($"ok {status}");
    }

    /// <summary>Why the bound listener cannot accept WebSocket connections now, or null when it can.</summary>
    private async Task<string?> AcceptErrorAsync()
    {
        var health = await WebSockets.Binding!.Listener.Ask<Actors.Server.WebSocketListener.Health>(new Actors.Server.WebSocketListener.GetHealth(), TimeSpan.FromSeconds(5));
        return health.AcceptError is { } error ? "accepting WebSocket connections fails: " + error : null;
    }

    /// <summary>The longest a members long poll may wait, in seconds.</summary>
    private const int MaxMembersTimeout = 300;

    /// <summary>
    /// The members that are Up; with <c>?count=N</c> it answers once exactly N are (a long poll, up to
    /// <c>?timeout=</c> seconds, 30 by default, at most 300, then 408), listing the members it saw
    /// reach that count, so a caller waits for the cluster to form or to converge after a node is
    /// lost, without polling. A caller that goes away ends its wait.
    /// </summary>
    private async Task<IResult> MembersAsync(int? count, int? timeout, HttpContext context)
    {
        var cluster = Cluster.Get(system);
        string[] Up() => [.. cluster.State.Members.Where(m => m.Status == MemberStatus.Up).Select(m => m.Address.ToString()).Order()];
        if (count is < 1 or > 1000 || timeout is < 0 or > MaxMembersTimeout)
            return Results.BadRequest(new { error = $"count must be 1 to 1000 and timeout 0 to {MaxMembersTimeout} seconds" });
        if (count is { } wanted)
        {
            var reached = new TaskCompletionSource<string[]>(TaskCreationOptions.RunContinuationsAsynchronously);
            var watcher = system.ActorOf(Props.Create(() => new MembershipWatcher(wanted, reached)));
            using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
            Interlocked.Increment(ref _pendingMemberPolls);
            try
            {
                string[] members = await reached.Task.WaitAsync(TimeSpan.FromSeconds(timeout ?? 30), ended.Token);
                return Results.Json(new { self = cluster.SelfAddress.ToString(), up = members });
            }
            catch (TimeoutException)
            {
                return Results.Json(new { up = Up() }, statusCode: StatusCodes.Status408RequestTimeout);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                return Results.Empty; // nobody is left to answer
            }
            catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
            {
                // Answered at once, so that the HTTP side's shutdown does not wait for the poll.
                return Results.Json(new { error = "shutting down", up = Up() }, statusCode: StatusCodes.Status503ServiceUnavailable);
            }
            finally
            {
                Interlocked.Decrement(ref _pendingMemberPolls);
                system.Stop(watcher);
            }
        }
        return Results.Json(new { self = cluster.SelfAddress.ToString(), up = Up() });
    }

    /// <summary>
    /// The publish API's checks, cheapest first and before the body is read: the caller (403 while
    /// neither a static token nor a JWT key is configured, 401 when the token is missing, wrong or
    /// does not hold), the target's name (400), the caller's permission for
    /// <paramref name="operation"/> on <paramref name="target"/> (403), the body's size (413, from
    /// <c>Content-Length</c> or while reading, never past <c>cosocket.http.max-body-len</c>), text
    /// that is not UTF-8 (400). Then <paramref name="action"/> delivers it.
    /// </summary>
    private async Task<IResult> Authorized(HttpRequest request, string? invalidTarget, AddressingOperation operation, string target,
        Func<Deliver, Task<IResult>> action)
    {
        var caller = await auth.AuthenticateAsync(request.Headers.Authorization);
        if (caller.IsRefused)
            return Refused(caller.Status, caller.Err!);
        if (invalidTarget is not null)
            return Results.BadRequest(new { error = invalidTarget });
        if (auth.Check(caller, operation, target) is { } denied)
            return Refused(StatusCodes.Status403Forbidden, denied);
        if (request.ContentLength > settings.HttpMaxBodyLen)
            return TooLarge();
        byte[] body;
        try
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer);
            body = buffer.ToArray();
        }
        catch (BadHttpRequestException tooLarge) when (tooLarge.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge();
        }
        bool binary = request.ContentType?.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase) == true;
        if (!binary && !System.Text.Unicode.Utf8.IsValid(body))
            return Results.BadRequest(new { error = "a text message must be UTF-8; send binary as application/octet-stream" });
        return await action(new Deliver(!binary, body));
    }

    private IResult TooLarge() =>
        Results.Json(new { error = $"the body is over cosocket.http.max-body-len ({settings.HttpMaxBodyLen} bytes)" }, statusCode: StatusCodes.Status413PayloadTooLarge);

    private static IResult Delivered(DeliveryResult result) =>
        result.Err is null ? Results.Ok(new { delivered = result.Delivered }) : Results.NotFound(new { delivered = 0, error = result.Err });

    /// <summary>
    /// Completes <paramref name="reached"/> when exactly <paramref name="wanted"/> members are Up and
    /// none is unreachable. It keeps its own view from the events (the cluster's read view may lag
    /// the event that changed it, and no further event would come to check it again).
    /// </summary>
    private sealed class MembershipWatcher : ReceiveActor
    {
        private readonly HashSet<Address> _up = [];
        private readonly HashSet<Address> _unreachable = [];

        public MembershipWatcher(int wanted, TaskCompletionSource<string[]> reached)
        {
            void Check()
            {
                if (_up.Count == wanted && _unreachable.Count == 0)
                    reached.TrySetResult([.. _up.Select(a => a.ToString()).Order()]);
            }
            Receive<ClusterEvent.CurrentClusterState>(state =>
            {
                _up.UnionWith(state.Members.Where(m => m.Status == MemberStatus.Up).Select(m => m.Address));
                _unreachable.UnionWith(state.Unreachable.Select(m => m.Address));
                Check();
            });
            Receive<ClusterEvent.MemberUp>(m => { _up.Add(m.Member.Address); Check(); });
            Receive<ClusterEvent.IMemberEvent>(m =>
            {
                if (m.Member.Status != MemberStatus.Up)
                    _up.Remove(m.Member.Address);
                if (m is ClusterEvent.MemberRemoved)
                    _unreachable.Remove(m.Member.Address); // a removed member is no longer anyone's concern
                Check();
            });
            Receive<ClusterEvent.UnreachableMember>(m => { _unreachable.Add(m.Member.Address); Check(); });
            Receive<ClusterEvent.ReachableMember>(m => { _unreachable.Remove(m.Member.Address); Check(); });
            Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
                typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        }

        protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);
    }
}

/// <summary>A refusal as JSON <c>{"error":…}</c>; a 401 names the scheme (RFC 9110 §15.5.2: it "MUST send a WWW-Authenticate header field").</summary>
internal sealed class RefusedResult(int status, string error, string? authenticate) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        if (authenticate is not null)
            httpContext.Response.Headers.WWWAuthenticate = authenticate;
        return Results.Json(new { error }, statusCode: status).ExecuteAsync(httpContext);
    }
}
