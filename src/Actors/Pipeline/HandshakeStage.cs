using Akka.IO;
using Akka.Streams;
using Akka.Streams.Stage;
using Cosocket.Protocol.Handshake;

namespace Cosocket.Actors.Pipeline;

/// <summary>What the handshake stage read: a request head, or why there is none.</summary>
/// <summary>What came of reading a request head: the request, or the error to answer (a head that is
/// not HTTP or too large), or neither when the client went away first (<see cref="PeerGone"/>).</summary>
internal sealed record HandshakeArrival(HttpRequestHead? Request, HandshakeError? Error)
{
    /// <summary>The connection ended before a whole head arrived: nobody is left to answer.</summary>
    public static HandshakeArrival PeerGone { get; } = new(null, null);
}

/// <summary>How a server connection answers its upgrade request: the 101 (then frames flow), or a
/// refusal (then the connection closes). Whoever read the request's head answers it: the
/// handshake stage on Cosocket's own listener (as bytes), the host's HTTP server when hosted (as
/// its status and fields). There is one answer: a second is refused, whichever front door.</summary>
internal abstract class HandshakeAnswer
{
    private int _decided;

    /// <summary>Upgrade: <paramref name="response"/> (the 101) goes out, then frames flow both ways.</summary>
    public Task AcceptAsync(HandshakeResponse response) => Decide() ?? AcceptDecidedAsync(response);

    /// <summary>Refuse with <paramref name="error"/>'s status and text (D4, counted by status), then the connection closes.</summary>
    public Task RejectAsync(HandshakeError error) => Decide() ?? RejectDecidedAsync(Refusal(error));

    public bool IsDecided => Volatile.Read(ref _decided) != 0;

    /// <summary>The answer to a refused upgrade request, counted in <c>cosocket.handshakes</c> by its status.</summary>
    public static HandshakeResponse Refusal(HandshakeError error)
    {
        CosocketTelemetry.CountHandshake(error.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return ServerHandshake.Reject(error);
    }

    protected abstract Task AcceptDecidedAsync(HandshakeResponse response);

    protected abstract Task RejectDecidedAsync(HandshakeResponse response);

    /// <summary>Null for the first answer; a failed task for any later one.</summary>
    private Task? Decide() => Interlocked.Exchange(ref _decided, 1) == 0
        ? null
        : Task.FromException(new InvalidOperationException("the handshake was already answered"));
}

/// <summary>
/// The materialized side of <see cref="HandshakeStage"/>: the request when its head has arrived, and
/// the decision the connection sends back. Thread-safe; a second decision is ignored.
/// </summary>
internal sealed class HandshakeControl : HandshakeAnswer
{
    private readonly TaskCompletionSource<HandshakeArrival> _arrival = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<Action<HandshakeDecision>> _decide = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<HandshakeArrival> Arrival => _arrival.Task;

    /// <summary>Write <paramref name="response"/> (the 101), then frames flow both ways.</summary>
    protected override Task AcceptDecidedAsync(HandshakeResponse response) => SendAsync(new HandshakeDecision(response.ToBytes(), Upgrade: true));

    /// <summary>Write <paramref name="response"/>, then close the connection.</summary>
    protected override Task RejectDecidedAsync(HandshakeResponse response) => SendAsync(new HandshakeDecision(response.ToBytes(), Upgrade: false));

    private async Task SendAsync(HandshakeDecision decision) => (await _decide.Task.ConfigureAwait(false))(decision);

    internal void Arrived(HandshakeArrival arrival) => _arrival.TrySetResult(arrival);

    internal void Started(Action<HandshakeDecision> decide) => _decide.TrySetResult(decide);
}

internal sealed record HandshakeDecision(byte[] Response, bool Upgrade);

/// <summary>
/// Reads the HTTP request head from the network side, leaves the decision to the connection, writes
/// the response it decides on, and then passes bytes through both ways. Bytes the client pipelined
/// after its head (sanity.t sends the first frame in the same write) go on to the protocol stage.
/// </summary>
/// <remarks>Top: application → network. Bottom: network → application.</remarks>
internal sealed class HandshakeStage : GraphStageWithMaterializedValue<BidiShape<ByteString, ByteString, ByteString, ByteString>, HandshakeControl>
{
    private readonly int _maxHeaderLength;

    public HandshakeStage(int maxHeaderLength)
    {
        _maxHeaderLength = maxHeaderLength;
        Shape = new BidiShape<ByteString, ByteString, ByteString, ByteString>(AppIn, NetOut, NetIn, AppOut);
    }

    public Inlet<ByteString> AppIn { get; } = new("handshake.app.in");
    public Outlet<ByteString> NetOut { get; } = new("handshake.net.out");
    public Inlet<ByteString> NetIn { get; } = new("handshake.net.in");
    public Outlet<ByteString> AppOut { get; } = new("handshake.app.out");
    public override BidiShape<ByteString, ByteString, ByteString, ByteString> Shape { get; }

    public override ILogicAndMaterializedValue<HandshakeControl> CreateLogicAndMaterializedValue(Attributes inheritedAttributes)
    {
        var control = new HandshakeControl();
        return new LogicAndMaterializedValue<HandshakeControl>(new Logic(this, control), control);
    }

    private sealed class Logic : GraphStageLogic
    {
        private readonly HandshakeStage _stage;
        private readonly HandshakeControl _control;
        private ByteString _head = ByteString.Empty;
        private ByteString _pipelined = ByteString.Empty;
        private bool _headRead;
        private HandshakeDecision? _decision;
        private bool _responseWritten;
        private Exception? _netError;

        public Logic(HandshakeStage stage, HandshakeControl control) : base(stage.Shape)
        {
            _stage = stage;
            _control = control;

            SetHandler(stage.NetIn, onPush: OnHeadBytes, onUpstreamFinish: NoHead, onUpstreamFailure: _ => NoHead());
            SetHandler(stage.NetOut, onPull: WriteResponseIfDecided, onDownstreamFinish: _ => CompleteStage());
            // Nothing flows from the application until the upgrade is written.
            SetHandler(stage.AppIn, onPush: () => { }, onUpstreamFinish: () => { });
            SetHandler(stage.AppOut, onPull: () => { }, onDownstreamFinish: _ => { });
        }

        public override void PreStart()
        {
            _control.Started(GetAsyncCallback<HandshakeDecision>(OnDecision));
            Pull(_stage.NetIn);
        }

        public override void PostStop() => _control.Arrived(HandshakeArrival.PeerGone);

        private void OnHeadBytes()
        {
            _head = _head.Concat(Grab(_stage.NetIn));
            var result = ServerHandshake.TryReadRequest(_head.ToReadOnlySpan(), _stage._maxHeaderLength);
            switch (result.Status)
            {
                case HeadReadStatus.Incomplete:
                    Pull(_stage.NetIn);
                    return;
                case HeadReadStatus.Failed:
                    _headRead = true;
                    _control.Arrived(new HandshakeArrival(null, result.Error));
                    return;
                default:
                    _headRead = true;
                    _pipelined = _head.Slice(result.Consumed);
                    _head = ByteString.Empty;
                    _control.Arrived(new HandshakeArrival(result.Request, null));
                    return;
            }
        }

        /// <summary>The input ended (or failed) before a whole head: the client went away.</summary>
        private void NoHead()
        {
            if (_headRead)
                return;
            _control.Arrived(HandshakeArrival.PeerGone);
            CompleteStage();
        }

        private void OnDecision(HandshakeDecision decision)
        {
            _decision = decision;
            WriteResponseIfDecided();
        }

        private void WriteResponseIfDecided()
        {
            if (_decision is null || _responseWritten || !IsAvailable(_stage.NetOut))
                return;
            _responseWritten = true;
            Push(_stage.NetOut, ByteString.FromBytes(_decision.Response));
            if (_decision.Upgrade)
                PassThrough();
            else
                CompleteStage(); // the rejection is delivered, then the connection closes
        }

        private void PassThrough()
        {
            // Two handler objects for the connection's life (one per direction), no delegates.
            var outbound = new Outbound(this);
            SetHandler(_stage.AppIn, outbound);
            SetHandler(_stage.NetOut, outbound);
            var inbound = new Inbound(this);
            SetHandler(_stage.NetIn, inbound);
            SetHandler(_stage.AppOut, inbound);
            // The response push used this pull; the next one comes from NetOut's handler.
            if (IsAvailable(_stage.AppOut))
                inbound.OnPull();
        }

        /// <summary>After the upgrade, what the application writes goes to the network as it is.</summary>
        private sealed class Outbound(Logic logic) : InAndOutHandler
        {
            public override void OnPush() => logic.Push(logic._stage.NetOut, logic.Grab(logic._stage.AppIn));

            public override void OnUpstreamFinish() => logic.Complete(logic._stage.NetOut);

            public override void OnPull() => logic.Pull(logic._stage.AppIn);

            public override void OnDownstreamFinish(Exception cause) => logic.Cancel(logic._stage.AppIn, cause);
        }

        /// <summary>After the upgrade, what the network brings goes to the application: first the bytes
        /// pipelined behind the request head; an end of input behind them waits until they are delivered.</summary>
        private sealed class Inbound(Logic logic) : InAndOutHandler
        {
            public override void OnPush() => logic.Push(logic._stage.AppOut, logic.Grab(logic._stage.NetIn));

            public override void OnUpstreamFinish()
            {
                if (logic._pipelined.IsEmpty)
                    logic.Complete(logic._stage.AppOut);
            }

            public override void OnUpstreamFailure(Exception e)
            {
                if (logic._pipelined.IsEmpty)
                    logic.Fail(logic._stage.AppOut, e);
                else
                    logic._netError = e;
            }

            public override void OnPull()
            {
                var stage = logic._stage;
                if (!logic._pipelined.IsEmpty)
                {
                    logic.Push(stage.AppOut, logic._pipelined);
                    logic._pipelined = ByteString.Empty;
                }
                else if (logic._netError is not null)
                    logic.Fail(stage.AppOut, logic._netError);
                else if (logic.IsClosed(stage.NetIn))
                    logic.Complete(stage.AppOut);
                else
                    logic.Pull(stage.NetIn);
            }

            public override void OnDownstreamFinish(Exception cause) => logic.Cancel(logic._stage.NetIn, cause);
        }
    }
}
