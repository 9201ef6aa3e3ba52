using Akka.Event;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Sessions;

namespace Cosocket.Actors.Server;

/// <summary>
/// What both front doors' server connections share until and after their upgrade: the connection
/// (its <see cref="Core"/>), the handshake timer that bounds the time to an upgrade, the options the
/// upgrade was made with (which set how to send), and the handler's end. How the connection opens,
/// and what a handshake that took too long gets, are the door's own.
/// </summary>
internal abstract class ServerConnectionRole(string id, ServerOptions options) : ConnectionRole
{
    private sealed record HandshakeTimedOut;

    /// <summary>The words a handshake that took too long is cut or answered with.</summary>
    internal const string HandshakeTimeout = "handshake timeout";

    private ServerOptions? _upgradedWith;

    protected string Id => id;

    protected ServerOptions Options => options;

    /// <summary>The connection, once its graph has started.</summary>
    protected ConnectionCore? Core { get; set; }

    /// <summary>The 101 (or an extended CONNECT's 200) has been written.</summary>
    protected bool IsUpgraded => _upgradedWith is not null;

    public override FrameConnection? Connection => Core?.Connection;

    public override ConnectionIdentity? Identity => Core?.Identity;

    public override SendPolicy? Sending => _upgradedWith is { } upgraded ? SendPolicy.Of(upgraded) : null;

    public override void PreStart() => Actor.Timers.StartSingleTimer("handshake", new HandshakeTimedOut(), options.HandshakeTimeout);

    public sealed override bool Receive(object message)
    {
        switch (message)
        {
            case ConnectionCore.Upgraded m:
                _upgradedWith = m.Options;
                Actor.Timers.Cancel("handshake");
                return true;
            case HandshakeTimedOut:
                if (!IsUpgraded)
                    OnHandshakeTimeout();
                return true;
            case HandlerRun.Finished m:
                if (m.Error is not null)
                    Actor.Log.Error(m.Error, "handler for connection {0} failed", id);
                OnHandlerFinished();
                return true;
            default:
                return ReceiveOwn(message);
        }
    }

    /// <summary>The handshake timeout passed before an upgrade.</summary>
    protected abstract void OnHandshakeTimeout();

    /// <summary>
    /// The handler has returned. Like nginx finishing a request: what it queued is written, the
    /// sending side is shut down, and the peer has a bounded time to close its side.
    /// </summary>
    protected virtual void OnHandlerFinished() => Actor.BeginClose();

    /// <summary>The door's own messages; false when <paramref name="message"/> is not one.</summary>
    protected virtual bool ReceiveOwn(object message) => false;
}
