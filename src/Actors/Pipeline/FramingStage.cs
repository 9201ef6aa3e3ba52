using Akka.IO;
using Akka.Streams;
using Akka.Streams.Stage;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Transport;
using Cosocket.Protocol;
using Cosocket.Protocol.Framing;
using Cosocket.Protocol.Messages;

namespace Cosocket.Actors.Pipeline;

/// <summary>
/// The framing stage's materialized side, shared with the code outside the stream. The receive limits
/// are set by the handshake (the options given to <c>new</c>) before the first frame byte arrives; the
/// read phase lets a receive that times out be worded after the part of the frame being read (§1.5);
/// the count of frames received tells keepalive that the peer is alive.
/// </summary>
internal sealed class FramingControl
{
    private long _maxPayloadLength;
    private long _maxMessageLength = new MessageOptions().MaxMessageLen;
    private bool _validateUtf8 = true;
    private RateLimitOptions? _rateLimit;
    private int _phase;
    private bool _atFrameBoundary = true;
    private int _framesReceived;

    internal FramingControl(long maxPayloadLength) => _maxPayloadLength = maxPayloadLength;

    /// <summary>The receive limit (<c>max_recv_len</c>).</summary>
    public long MaxPayloadLength => Volatile.Read(ref _maxPayloadLength);

    /// <summary>Takes the receive limits of <paramref name="options"/>; called before the upgrade is written.</summary>
    public void Configure(FrameOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Volatile.Write(ref _maxPayloadLength, options.EffectiveMaxRecvLen);
        Volatile.Write(ref _maxMessageLength, options.Messages.MaxMessageLen);
        Volatile.Write(ref _validateUtf8, options.Messages.ValidateUtf8);
        Volatile.Write(ref _rateLimit, options.RateLimit);
    }

    /// <summary>The limit on what the peer sends, read with the other limits on the first bytes after the handshake.</summary>
    internal RateLimitOptions? RateLimit => Volatile.Read(ref _rateLimit);

    /// <summary>Told, on the stream's thread, when the peer exceeds a rate limit whose policy is to close.</summary>
    internal Action? RateExceeded { get; set; }

    /// <summary>Frames decoded so far (wrapping): a change shows the peer is alive.</summary>
    public int FramesReceived => Volatile.Read(ref _framesReceived);

    internal MessageValidator NewValidator(bool forbidMasked) => new(Volatile.Read(ref _maxMessageLength), Volatile.Read(ref _validateUtf8), forbidMasked);

    /// <summary>Only the stage counts (one writer): a volatile write publishes it without a locked instruction per frame.</summary>
    internal void CountFrame() => Volatile.Write(ref _framesReceived, _framesReceived + 1);

    public ReadPhase Phase => (ReadPhase)Volatile.Read(ref _phase);

    /// <summary>False while part of a frame has been read but not delivered.</summary>
    public bool AtFrameBoundary => Volatile.Read(ref _atFrameBoundary);

    internal void SetProgress(ReadPhase phase, bool atFrameBoundary)
    {
        Volatile.Write(ref _phase, (int)phase);
        Volatile.Write(ref _atFrameBoundary, atFrameBoundary);
    }
}

/// <summary>
/// The framing stage: bytes from the network become <see cref="DecodeResult"/>s (frames, message-layer
/// violations, then at most one error, which ends the inbound side), and outgoing frames become bytes.
/// Outgoing frames that queue up while a write is in progress are coalesced into one write.
/// </summary>
/// <remarks>
/// Top: application → network. Bottom: network → application. The end of the input or a transport
/// failure arrives as a final error worded as the seed's <c>recv_frame</c> words it
/// (<c>failed to receive the first 2 bytes: closed</c>).
/// </remarks>
internal sealed class FramingStage : GraphStageWithMaterializedValue<BidiShape<OutgoingFrame, ByteString, ByteString, DecodeResult>, FramingControl>
{
    /// <summary>Outgoing bytes buffered before the stage stops taking frames from the application.</summary>
    public const int MaxPendingBytes = 256 * 1024;

    /// <summary>Coalesced writes up to this size are copied into one buffer.</summary>
    private const int CopyLimit = 16 * 1024;

    private readonly bool _forceMasking;
    private readonly long _maxPayloadLength;

    /// <param name="forceMasking">Servers require masked frames (RFC 6455 §5.1); clients accept both.</param>
    /// <param name="maxPayloadLength">The receive limit until <see cref="FramingControl.MaxPayloadLength"/> changes it.</param>
    public FramingStage(bool forceMasking, long maxPayloadLength)
    {
        _forceMasking = forceMasking;
        _maxPayloadLength = maxPayloadLength;
        Shape = new BidiShape<OutgoingFrame, ByteString, ByteString, DecodeResult>(FramesIn, BytesOut, BytesIn, ResultsOut);
    }

    public Inlet<OutgoingFrame> FramesIn { get; } = new("framing.frames.in");
    public Outlet<ByteString> BytesOut { get; } = new("framing.bytes.out");
    public Inlet<ByteString> BytesIn { get; } = new("framing.bytes.in");
    public Outlet<DecodeResult> ResultsOut { get; } = new("framing.results.out");
    public override BidiShape<OutgoingFrame, ByteString, ByteString, DecodeResult> Shape { get; }

    public override ILogicAndMaterializedValue<FramingControl> CreateLogicAndMaterializedValue(Attributes inheritedAttributes)
    {
        var control = new FramingControl(_maxPayloadLength);
        return new LogicAndMaterializedValue<FramingControl>(new Logic(this, control), control);
    }

    private sealed class Logic : TimerGraphStageLogic
    {
        private readonly FramingStage _stage;
        private readonly FramingControl _control;
        private FrameDecoder? _decoder;
        private readonly Queue<DecodeResult> _results = new();
        private bool _inputEnded;
        private InboundRate? _rate;
        private bool _paused;

        private readonly List<OutgoingFrame> _pending = [];
        private int _pendingBytes;
        private readonly List<OutgoingFrame> _inFlight = [];

        public Logic(FramingStage stage, FramingControl control) : base(stage.Shape)
        {
            _stage = stage;
            _control = control;

            SetHandler(stage.BytesIn, onPush: OnBytes, onUpstreamFinish: () => EndInput(null), onUpstreamFailure: EndInput);
            SetHandler(stage.ResultsOut, onPull: DeliverResult, onDownstreamFinish: cause => Cancel(stage.BytesIn, cause));
            SetHandler(stage.FramesIn, onPush: OnFrame, onUpstreamFinish: FlushOrComplete);
            SetHandler(stage.BytesOut, onPull: OnWriteDemand, onDownstreamFinish: cause =>
            {
                FailAll(_inFlight, cause);
                FailAll(_pending, cause);
                Cancel(stage.FramesIn, cause);
            });
        }

        public override void PreStart() => Pull(_stage.FramesIn);

        public override void PostStop()
        {
            var closed = new TransportClosedException();
            FailAll(_inFlight, closed);
            FailAll(_pending, closed);
        }

        // Inbound.

        /// <summary>Made on the first bytes after the handshake, when the receive limits are known. Its
        /// validator checks the message layer's rules as bytes arrive, whichever API reads the frames:
        /// the frame API skips what it reports, the message layer fails the connection on it.</summary>
        private FrameDecoder Decoder => _decoder ??= NewDecoder();

        private FrameDecoder NewDecoder()
        {
            if (_control.RateLimit is { } limit)
                _rate = new InboundRate(limit);
            return new FrameDecoder(new FrameDecoderOptions(_control.MaxPayloadLength, _stage._forceMasking), _control.NewValidator(forbidMasked: !_stage._forceMasking));
        }

        private void OnBytes()
        {
            ByteString chunk = Grab(_stage.BytesIn);
            ReadOnlySpan<byte> input = chunk.ToReadOnlySpan();
            FrameDecoder decoder = Decoder;
            _rate?.OweBytes(chunk.Count);
            CosocketTelemetry.BytesReceived.Add(chunk.Count);
            while (true)
            {
                var result = decoder.Decode(input, out int consumed);
                input = input[consumed..];
                if (result.Status == DecodeStatus.NeedMoreData)
                    break;
                _results.Enqueue(result);
                if (result.Status == DecodeStatus.Frame)
                    _control.CountFrame();
                else if (result.Status == DecodeStatus.Error)
                {
                    _inputEnded = true;
                    Cancel(_stage.BytesIn);
                    break;
                }
            }
            _control.SetProgress(decoder.Phase, decoder.IsAtFrameBoundary);
            DeliverResult();
        }

        private void EndInput(Exception? error)
        {
            if (_inputEnded)
                return;
            _inputEnded = true;
            _results.Enqueue(DecodeResult.InputEnded(Decoder.DescribeReadFailure(SocketErrors.Describe(error))));
            DeliverResult();
        }

        private void DeliverResult()
        {
            if (!IsAvailable(_stage.ResultsOut) || _paused)
                return;
            if (_results.TryPeek(out var next) && StartsMessage(next) && _rate?.TakeMessage() is { } wait)
                OverRate(wait);
            else if (_results.TryDequeue(out var result))
            {
                Push(_stage.ResultsOut, result);
                if (_inputEnded && _results.Count == 0)
                    Complete(_stage.ResultsOut);
            }
            else if (!_inputEnded && !HasBeenPulled(_stage.BytesIn))
            {
                if (_rate?.PayBytes() is { } owed)
                    OverRate(owed);
                else
                    Pull(_stage.BytesIn);
            }
        }

        /// <summary>A data message counts once, at its first frame; a control frame counts once too.</summary>
        private static bool StartsMessage(in DecodeResult result) =>
            result.Status == DecodeStatus.Frame && result.Frame.Opcode != Opcode.Continuation;

        /// <summary>
        /// The peer sent faster than its rate: nothing more is handed on or read until the rate
        /// allows it (pause), or ever again while the connection is closed (close).
        /// </summary>
        private void OverRate(TimeSpan wait)
        {
            _paused = true;
            if (_rate!.Options.Policy == RateLimitPolicy.Close)
            {
                ConnectionCounters.CountRateLimitClose();
                _control.RateExceeded?.Invoke();
            }
            else
            {
                ConnectionCounters.CountRateLimitPause();
                ScheduleOnce(RateTimer, wait);
            }
        }

        private const string RateTimer = "rate";

        protected override void OnTimer(object timerKey)
        {
            _paused = false;
            DeliverResult();
        }

        // Outbound.

        private void OnFrame()
        {
            var frame = Grab(_stage.FramesIn);
            _pending.Add(frame);
            _pendingBytes += frame.Bytes.Count;
            if (IsAvailable(_stage.BytesOut))
                Flush();
            if (_pendingBytes < MaxPendingBytes && !HasBeenPulled(_stage.FramesIn) && !IsClosed(_stage.FramesIn))
                Pull(_stage.FramesIn);
        }

        /// <summary>The transport pulls only once its previous write completed: whatever was in flight is written.</summary>
        private void OnWriteDemand()
        {
            foreach (var frame in _inFlight)
                frame.Written?.OnWritten(frame.Bytes.Count, frame.Token);
            _inFlight.Clear();
            if (_pending.Count > 0)
                Flush();
            else if (IsClosed(_stage.FramesIn))
                Complete(_stage.BytesOut);
        }

        private void Flush()
        {
            ByteString bytes = _pending.Count == 1 ? _pending[0].Bytes : Coalesce(_pending);
            _inFlight.AddRange(_pending);
            _pending.Clear();
            _pendingBytes = 0;
            CosocketTelemetry.BytesSent.Add(bytes.Count);
            Push(_stage.BytesOut, bytes);
            if (!HasBeenPulled(_stage.FramesIn) && !IsClosed(_stage.FramesIn))
                Pull(_stage.FramesIn);
        }

        /// <summary>Small frames are copied into one buffer (one write, one segment); past
        /// <see cref="CopyLimit"/> they are chained without copying.</summary>
        private static ByteString Coalesce(List<OutgoingFrame> frames)
        {
            int total = frames.Sum(f => f.Bytes.Count);
            if (total > CopyLimit)
                return frames.Skip(1).Aggregate(frames[0].Bytes, (all, frame) => all.Concat(frame.Bytes));
            var buffer = new byte[total];
            int offset = 0;
            foreach (var frame in frames)
            {
                frame.Bytes.CopyTo(buffer, offset, frame.Bytes.Count);
                offset += frame.Bytes.Count;
            }
            return ByteString.FromBytes(buffer);
        }

        private void FlushOrComplete()
        {
            if (_pending.Count == 0 && IsAvailable(_stage.BytesOut))
                Complete(_stage.BytesOut);
            // Otherwise OnWriteDemand completes once the rest is written.
        }

        private static void FailAll(List<OutgoingFrame> frames, Exception? cause)
        {
            foreach (var frame in frames)
                frame.Written?.OnFailed(cause ?? new TransportClosedException(), frame.Token);
            frames.Clear();
        }
    }
}
