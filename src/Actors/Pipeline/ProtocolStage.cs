using System.Runtime.InteropServices;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Stage;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Transport;
using Cosocket.Protocol;
using Cosocket.Protocol.Connection;
using Cosocket.Protocol.Framing;

namespace Cosocket.Actors.Pipeline;

/// <summary>The queues a connection's senders and receiver use, and the control of its protocol stage.</summary>
internal sealed record ProtocolPorts(OutgoingQueue Outgoing, IncomingQueue Incoming, ProtocolControl Control);

/// <summary>
/// The one stage per connection that runs its <see cref="WebSocketProtocol"/>, server or client alike:
/// bytes from the network go in and come out as <see cref="ProtocolEvent"/>s in the connection's
/// <see cref="IncomingQueue"/>; commands from the senders' <see cref="OutgoingQueue"/> go in, in the
/// order they were handed over, and come out as bytes for the network. The protocol's deadlines are
/// this stage's timers, armed only while something waits. Chunks that queue up while a write is in
/// progress are coalesced into one write.
/// </summary>
/// <remarks>
/// In: bytes received; out: bytes to send. The stage reads no more input while events wait for the
/// receiver (or the incoming queue is full), and takes no more commands while more than
/// <see cref="MaxPendingBytes"/> wait to be written. It outlives its ports until the receiver has
/// every event, or the connection's actor stops it.
/// </remarks>
internal sealed class ProtocolStage : GraphStageWithMaterializedValue<FlowShape<ByteString, ByteString>, ProtocolPorts>
{
    /// <summary>Encoded bytes held by the protocol before the stage stops taking commands.</summary>
    public const int MaxPendingBytes = 256 * 1024;

    /// <summary>Coalesced writes up to this size are copied into one buffer.</summary>
    private const int CopyLimit = 16 * 1024;

    private readonly ProtocolSettings _initial;

    /// <param name="initial">The settings until the handshake's are configured (no frame arrives before).</param>
    public ProtocolStage(ProtocolSettings initial)
    {
        _initial = initial;
        Shape = new FlowShape<ByteString, ByteString>(BytesIn, BytesOut);
    }

    public Inlet<ByteString> BytesIn { get; } = new("protocol.bytes.in");
    public Outlet<ByteString> BytesOut { get; } = new("protocol.bytes.out");
    public override FlowShape<ByteString, ByteString> Shape { get; }

    public override ILogicAndMaterializedValue<ProtocolPorts> CreateLogicAndMaterializedValue(Attributes inheritedAttributes)
    {
        var ports = new ProtocolPorts(new OutgoingQueue(), new IncomingQueue(), new ProtocolControl());
        return new LogicAndMaterializedValue<ProtocolPorts>(new Logic(this, ports), ports);
    }

    /// <remarks>The logic is its own handler of both byte ports: no handler objects or delegates for
    /// each connection to keep (it keeps the stage for its whole life).</remarks>
    private sealed class Logic : TimerGraphStageLogic, IInHandler, IOutHandler
    {
        private const string RateTimer = "rate";

        private readonly ProtocolStage _stage;
        private readonly ProtocolControl _control;
        private readonly OutgoingQueue _outgoing;
        private readonly IncomingQueue _incoming;
        private readonly List<OutgoingData> _inFlight = [];
        private bool _eventsCompleted;
        private WebSocketProtocol? _protocol;
        private InboundRate? _rate;
        private bool _paused;
        private bool _closeCounted;

        public Logic(ProtocolStage stage, ProtocolPorts ports) : base(stage.Shape)
        {
            _stage = stage;
            _control = ports.Control;
            _outgoing = ports.Outgoing;
            _incoming = ports.Incoming;
            SetHandler(stage.BytesIn, this);
            SetHandler(stage.BytesOut, this);
        }

        public void OnUpstreamFinish() => OnEnd(null);

        public void OnUpstreamFailure(Exception e) => OnEnd(e);

        public void OnPull() => Drive();

        public void OnDownstreamFinish(Exception cause)
        {
            // The transport is gone: nothing queued will be written.
            FailUnwritten(cause ?? new TransportClosedException());
            Drive();
        }

        private WebSocketProtocol Protocol => _protocol ??= Open(new ProtocolConfiguration(_stage._initial, null));

        public override void PreStart()
        {
            // The receiver may still be taking events when both byte ports are closed.
            SetKeepGoing(true);
            if (_control.Started(GetAsyncCallback<object>(OnControl)) is { } told)
            {
                foreach (var command in told)
                    Apply(command);
            }
            Action drive = GetAsyncCallback(Drive);
            _incoming.Started(drive);
            _outgoing.Started(drive);
        }

        public override void PostStop()
        {
            FailUnwritten(new TransportClosedException());
            _incoming.Complete();
            _protocol?.Dispose(); // its compression contexts go back to the process's budget
        }

        /// <summary>Every send not written yet (in flight, encoded, or still a command) fails with <paramref name="error"/>.</summary>
        private void FailUnwritten(Exception error)
        {
            foreach (var chunk in _inFlight)
                Fail(chunk, error);
            _inFlight.Clear();
            if (_protocol is { } protocol)
            {
                while (protocol.TryTakeOutgoing(out var data))
                    Fail(data, error);
            }
            _outgoing.Closed();
        }

        private WebSocketProtocol Open(ProtocolConfiguration configuration)
        {
            var protocol = new WebSocketProtocol(configuration.Settings);
            protocol.Open();
            if (configuration.RateLimit is { } limit)
                _rate = new InboundRate(limit);
            return protocol;
        }

        private void OnControl(object command)
        {
            if (command is ProtocolControl.StopCommand)
            {
                FailStage(new TransportClosedException());
                return;
            }
            Apply(command);
            Drive();
        }

        private void Apply(object command)
        {
            switch (command)
            {
                case ProtocolConfiguration configuration:
                    _protocol ??= Open(configuration);
                    break;
                case ReceiveMode mode:
                    Protocol.UseMode(mode);
                    break;
                case ProtocolControl.RestCommand { Resting: true }:
                    Protocol.Rest();
                    break;
                case ProtocolControl.RestCommand:
                    Protocol.Resume();
                    break;
            }
        }

        public void OnPush()
        {
            ByteString chunk = Grab(_stage.BytesIn);
            _rate?.OweBytes(chunk.Count);
            CosocketTelemetry.BytesReceived.Add(chunk.Count);
            Protocol.ReceiveData(chunk.ToReadOnlySpan());
            Drive();
        }

        private void OnEnd(Exception? error)
        {
            Protocol.ReceiveEof(SocketErrors.Describe(error));
            Drive();
        }

        /// <summary>Hands the protocol what the senders queued, in order, while it has room to encode.</summary>
        private void TakeCommands(WebSocketProtocol protocol)
        {
            while (protocol.BufferedBytes < MaxPendingBytes && _outgoing.TryTake(out var command))
                Apply(protocol, command);
        }

        private static void Apply(WebSocketProtocol protocol, OutgoingCommand command)
        {
            SendStatus status;
            switch (command.Kind)
            {
                case CommandKind.Frame:
                    status = protocol.SendFrame(command.Fin, (int)command.Opcode, command.Payload, command);
                    break;
                case CommandKind.Message:
                    status = protocol.SendMessage(command.Opcode, command.Payload, command.FragmentSize, command, command.Shared);
                    break;
                case CommandKind.Close:
                    status = protocol.StartClose(command.Code, command.Payload.Span, command);
                    break;
                case CommandKind.Fail:
                    protocol.Fail(command.Code, command.Reason ?? "", ErrorKind.Closed);
                    return;
                case CommandKind.Finish:
                    protocol.Finish();
                    return;
                default:
                    protocol.Acknowledge();
                    return;
            }
            if (status != SendStatus.Queued)
                command.Written?.OnFailed(status == SendStatus.AlreadyClosed ? new AlreadyClosedException() : new TransportClosedException(), command.Token);
        }

        /// <summary>Does what the protocol asks after each input: timers, events, writes, the transport, more input.</summary>
        private void Drive()
        {
            if (_protocol is not { } protocol)
            {
                if (_outgoing.HasCommands)
                    protocol = Protocol; // a command before the handshake configured anything: the initial settings
                else
                    return;
            }
            TakeCommands(protocol);
            // A receiver waiting for an event runs here, on this thread, as the event is handed to
            // it; what it sends meanwhile is taken right after, and written in this same turn,
            // without a wake-up message to this stage's actor.
            using (_outgoing.Inline())
                PushEvents(protocol);
            TakeCommands(protocol);
            if (IsAvailable(_stage.BytesOut))
                Write(protocol);
            while (protocol.TryTakeTimer(out var timer))
            {
                if (timer.Delay is { } delay)
                    ScheduleOnce(timer.Timer, delay);
                else
                    CancelTimer(timer.Timer);
            }
            if (!_closeCounted && protocol.FirstClose is { } first)
            {
                _closeCounted = true;
                CosocketTelemetry.CountClose(first.ByPeer ? "peer" : "local", first.Code);
            }
            if (protocol.TransportAction == TransportAction.Abort)
            {
                _control.Publish(protocol);
                Abort();
                return;
            }
            PullBytes(protocol);
            _control.Publish(protocol);
            // Both byte ports are closed and the receiver has every event: nothing is left to do.
            if (IsClosed(_stage.BytesIn) && IsClosed(_stage.BytesOut) && _eventsCompleted)
                CompleteStage();
        }

        private void PushEvents(WebSocketProtocol protocol)
        {
            while (!_paused && _incoming.HasRoom && protocol.TryPeekEvent(out var next))
            {
                if (StartsMessage(next) && _rate?.TakeMessage() is { } wait)
                {
                    OverRate(protocol, wait);
                    return;
                }
                protocol.TryTakeEvent(out next);
                if (next.Kind == ProtocolEventKind.Close)
                    _control.OnPeerClose(next);
                _incoming.Add(next);
            }
            if (protocol.IsEventsOver && !_eventsCompleted)
            {
                _eventsCompleted = true;
                _incoming.Complete();
            }
        }

        /// <summary>A data message counts once, at its first frame; under the frame API a control frame counts too.</summary>
        private static bool StartsMessage(in ProtocolEvent e) =>
            e.Kind == ProtocolEventKind.Message || e.Kind == ProtocolEventKind.Frame && e.Frame.Opcode != Opcode.Continuation;

        private void PullBytes(WebSocketProtocol protocol)
        {
            if (protocol.HasPendingInput || !_incoming.HasRoom || _paused || HasBeenPulled(_stage.BytesIn) || IsClosed(_stage.BytesIn))
                return;
            if (_rate?.PayBytes() is { } owed)
                OverRate(protocol, owed);
            else
                Pull(_stage.BytesIn);
        }

        /// <summary>
        /// The peer sent faster than its rate: nothing more is handed on or read until the rate allows
        /// it (pause), or the connection is failed with 1008 (close).
        /// </summary>
        private void OverRate(WebSocketProtocol protocol, TimeSpan wait)
        {
            if (_rate!.Options.Policy == RateLimitPolicy.Close)
            {
                _rate = null;
                ConnectionCounters.CountRateLimitClose();
                _control.RateExceeded?.Invoke();
                protocol.Fail(CloseStatus.PolicyViolation, RateLimitOptions.Exceeded, ErrorKind.Closed);
                Drive();
                return;
            }
            _paused = true;
            ConnectionCounters.CountRateLimitPause();
            ScheduleOnce(RateTimer, wait);
        }

        protected override void OnTimer(object timerKey)
        {
            if (timerKey is ProtocolTimer timer)
                Protocol.DeadlinePassed(timer);
            else
                _paused = false;
            Drive();
        }

        /// <summary>The transport pulls only once its previous write completed: whatever was in flight is written.</summary>
        private void Write(WebSocketProtocol protocol)
        {
            // A sender waiting for its write resumes here; what it sends next goes into this write.
            using (_outgoing.Inline())
            {
                foreach (var data in _inFlight)
                {
                    if (data.Tag is OutgoingCommand { Written: { } written } command)
                        written.OnWritten(data.SendLength, command.Token);
                }
            }
            _inFlight.Clear();
            TakeCommands(protocol);
            while (protocol.TryTakeOutgoing(out var data))
                _inFlight.Add(data);
            if (_inFlight.Count > 0)
            {
                var bytes = Coalesce(_inFlight);
                CosocketTelemetry.BytesSent.Add(bytes.Count);
                Push(_stage.BytesOut, bytes);
            }
            else if (protocol.TransportAction == TransportAction.AbortAfterWrite)
                Abort();
            else if (protocol.TransportAction == TransportAction.ShutdownAfterWrite)
            {
                Complete(_stage.BytesOut);
                _outgoing.Closed(); // what is still queued, and every later command, fails as closed
            }
        }

        /// <summary>The transport is cut at once (its input is not drained), and this stage stops.</summary>
        private void Abort()
        {
            _control.AbortTransport?.Invoke();
            FailStage(new TransportClosedException());
        }

        /// <summary>Small chunks are copied into one buffer (one write, one segment); past
        /// <see cref="CopyLimit"/> they are chained without copying.</summary>
        private static ByteString Coalesce(List<OutgoingData> chunks)
        {
            if (chunks.Count == 1)
                return Wrap(chunks[0].Bytes);
            int total = 0;
            foreach (var chunk in chunks)
                total += chunk.Bytes.Length;
            if (total > CopyLimit)
            {
                var all = Wrap(chunks[0].Bytes);
                for (int i = 1; i < chunks.Count; i++)
                    all = all.Concat(Wrap(chunks[i].Bytes));
                return all;
            }
            var buffer = new byte[total];
            int offset = 0;
            foreach (var chunk in chunks)
            {
                chunk.Bytes.Span.CopyTo(buffer.AsSpan(offset));
                offset += chunk.Bytes.Length;
            }
            return ByteString.FromBytes(buffer);
        }

        private static ByteString Wrap(ReadOnlyMemory<byte> bytes) =>
            ByteString.FromBytes(MemoryMarshal.TryGetArray(bytes, out var segment) ? segment : bytes.ToArray());

        private static void Fail(in OutgoingData data, Exception error)
        {
            if (data.Tag is OutgoingCommand { Written: { } written } command)
                written.OnFailed(error, command.Token);
        }
    }
}
