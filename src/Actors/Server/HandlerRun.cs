using Akka.Actor;
using Cosocket.Protocol.Handshake;

namespace Cosocket.Actors.Server;

/// <summary>
/// An upgrade request's way to its handler, the same on Cosocket's own listener and when hosted:
/// admission (origin, credentials, a required identity), then the route's handler off the actor,
/// then, when the handler neither upgraded nor answered, the default refusal (D4). The connection's
/// actor is told <see cref="Finished"/> when the handler returns.
/// </summary>
internal static class HandlerRun
{
    internal sealed record Finished(Exception? Error);

    public static void Start(WebSocketRequest request, WebSocketRoute route, ServerOptions options, IActorRef self)
    {
        Task.Run(async () =>
        {
            bool admitted;
            using (var activity = CosocketTelemetry.Activities.StartActivity("cosocket.handshake"))
            {
                activity?.SetTag("url.path", request.Path);
                admitted = await Admission.AdmitAsync(request, route, options).ConfigureAwait(false);
                activity?.SetTag("cosocket.admitted", admitted);
            }
            if (admitted)
                await route.Handler(request).ConfigureAwait(false);
        }).ContinueWith(async task =>
        {
            if (!request.Answered)
            {
                // The handler neither upgraded nor answered: D4's default.
                var refusal = request.Refusal ?? new HandshakeError(task.Exception is null ? "the handler declined the upgrade" : "handler failed", task.Exception is null ? 403 : 500);
                try
                {
                    await request.Core.RejectAsync(refusal).ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // The client is gone, or an answer raced this one: the connection ends either way.
                }
            }
            return new Finished(task.Exception?.GetBaseException());
        }, TaskScheduler.Default).Unwrap().PipeTo(self);
    }
}
