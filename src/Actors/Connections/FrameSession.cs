using Akka.Actor;
using Cosocket.Actors.Server;
using Cosocket.Actors.Transport;
using Cosocket.Protocol;
using Cosocket.Protocol.Framing;

namespace Cosocket.Actors.Connections;

/// <summary>Why a read ended without a result: its kind (a timeout, the end of the connection) and the seed's words.</summary>
internal readonly record struct ReadError(ErrorKind Kind, string Err);

/// <summary>Which API reads a connection's frames. The first receive picks it for good.</summary>
internal enum ReceiveMode
{
    None,
    Frames,
    Messages,
}

/// <summary>
/// The frame-level rules the seed's server and client objects share (docs/compatibility.md §2.3, §3.4): the
/// <c>fatal</c> flag (every error but a receive timeout sets it), one receive and one send at a time
/// (D10), the timeout of each receive and send (a deadline the connection actor's tick expires), and
/// publishing received frames to the connection's subscribers. The message layer
/// (<see cref="MessageSession"/>) receives and sends through the same rules.
/// </summary>
internal sealed class FrameSession
{
    public const string FatalErrorAlreadyHappened = "fatal error already happened";
    public const string SocketBusyReading = "socket busy reading";
    public const string SocketBusyWriting = "socket busy writing";
    public const string ApisMixed = "recv_frame and receive_message cannot both read one connection";

    private readonly FrameConnection _connection;
    /// <summary>The completion of the one awaited send at a time (D10), reused.</summary>
    private readonly ReusableWrite _write = new();
    private readonly long _maxSendLen;
    private readonly bool _masked;
    private TimeSpan? _timeout;
    private volatile bool _fatal;
    private int _receiving;
    private int _sending;
    private int _mode;

    public FrameSession(FrameConnection connection, long maxSendLen, bool masked, TimeSpan? timeout)
    {
        _connection = connection;
        _maxSendLen = maxSendLen;
        _masked = masked;
        _timeout = timeout;
    }

    public FrameConnection Connection => _connection;

    public bool Fatal => _fatal;

    /// <summary>Marks the session fatal (the client does when its <c>send_close</c> fails).</summary>
    public void SetFatal() => _fatal = true;

    /// <summary>Zero or negative: no timeout. Applies from the next receive or send.</summary>
    public void SetTimeout(TimeSpan timeout) => _timeout = timeout > TimeSpan.Zero ? timeout : null;

    public async Task<RecvFrameResult> RecvFrameAsync()
    {
        if (_fatal)
            return RecvFrameResult.Failure(FatalErrorAlreadyHappened, ErrorKind.Refused);
        if (!TryUseReceiveMode(ReceiveMode.Frames))
            return RecvFrameResult.Failure(ApisMixed, ErrorKind.Refused);
        if (!TryBeginReceive())
            return RecvFrameResult.Failure(SocketBusyReading, ErrorKind.Refused);
        try
        {
            while (true)
            {
                var (result, error) = await ReadAsync().ConfigureAwait(false);
                if (error is { } ended)
                    return RecvFrameResult.Failure(ended.Err, ended.Kind);
                if (result.Status == DecodeStatus.Violation)
                    continue; // the frame API is raw: the message layer's rules do not apply
                if (result.Status == DecodeStatus.Error)
                    return Fail(new ReadError(ErrorKind.Protocol, result.Error!));
                var frame = RecvFrameResult.FromFrame(result.Frame);
                Publish(frame);
                return frame;
            }
        }
        finally
        {
            EndReceive();
        }
    }

    /// <summary>Fixes which API reads this connection; false when the other one already does.</summary>
    public bool TryUseReceiveMode(ReceiveMode mode)
    {
        int current = Interlocked.CompareExchange(ref _mode, (int)mode, (int)ReceiveMode.None);
        return current == (int)ReceiveMode.None || current == (int)mode;
    }

    /// <summary>Takes the receive side (D10); false when a receive is already running.</summary>
    public bool TryBeginReceive() => Interlocked.Exchange(ref _receiving, 1) == 0;

    public void EndReceive() => Volatile.Write(ref _receiving, 0);

    /// <summary>
    /// The next decoded result, waiting at most the timeout; the caller holds the receive side. A
    /// timeout is not fatal and keeps a half-read frame (D1); the end of the connection, however it
    /// shows, is fatal and comes back as the error, never as a result.
    /// </summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<(DecodeResult Result, ReadError? Error)> ReadAsync()
    {
        DecodeResult result;
        while (!_connection.Incoming.TryRead(out result))
        {
            var cancellation = _connection.Deadlines.ArmReceive(_timeout);
            try
            {
                if (!await _connection.Incoming.WaitToReadAsync(cancellation).ConfigureAwait(false))
                    return (default, Ended(new ReadError(ErrorKind.Closed, _connection.Framing.Phase.Describe(SocketErrors.Closed))));
            }
            catch (OperationCanceledException)
            {
                return (default, new ReadError(ErrorKind.Timeout, _connection.Framing.Phase.Describe(SocketErrors.Timeout)));
            }
            finally
            {
                _connection.Deadlines.DisarmReceive();
            }
        }
        if (result.Status == DecodeStatus.Ended)
            return (default, Ended(new ReadError(ErrorKind.Closed, result.Error!)));
        return (result, null);
    }

    /// <summary>The original's <c>send_frame</c>: any failure, validation included, is fatal.</summary>
    public Task<SendResult> SendFrameAsync(bool fin, int opcode, ReadOnlyMemory<byte> payload) =>
        SendAsync(opcode, payload, fragmentSize: payload.Length, fin, validate: true);

    /// <summary>
    /// The message layer's send: <paramref name="payload"/> as one message of
    /// <paramref name="opcode"/>, in frames of at most <paramref name="fragmentSize"/> bytes queued
    /// together, so that no other sender's frame lands between them.
    /// </summary>
    public Task<SendResult> SendMessageAsync(Opcode opcode, ReadOnlyMemory<byte> payload, int fragmentSize) =>
        SendAsync((int)opcode, payload, fragmentSize, fin: true, validate: false);

    /// <param name="validate">The original's checks; a message's frames are valid by construction.</param>
    private async Task<SendResult> SendAsync(int opcode, ReadOnlyMemory<byte> payload, int fragmentSize, bool fin, bool validate)
    {
        if (_fatal)
            return SendResult.Failure(FatalErrorAlreadyHappened);
        if (Interlocked.Exchange(ref _sending, 1) != 0)
            return SendResult.Failure(SocketBusyWriting);
        try
        {
            if (validate && FrameEncoder.ValidateSend(fin, opcode, payload.Length, _maxSendLen) is { } invalid)
                return FailSend(invalid);
            var cancellation = _connection.Deadlines.ArmSend(_timeout);
            try
            {
                // The payload is not copied when it is large and unmasked: it must not change until this returns.
                long started = System.Diagnostics.Stopwatch.GetTimestamp();
                int written = await _connection.WriteAsync(fin, opcode, payload, _masked ? MaskKeyGenerator.Shared : null, _write, cancellation, fragmentSize).ConfigureAwait(false);
                CosocketTelemetry.SendDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                return new SendResult(written, null);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                return FailSend(ProtocolErrors.FailedToSendFramePrefix + SocketErrors.Timeout);
            }
            catch (Exception error)
            {
                return FailSend(ProtocolErrors.FailedToSendFramePrefix + SocketErrors.Describe(error));
            }
            finally
            {
                _connection.Deadlines.DisarmSend();
            }
        }
        finally
        {
            Volatile.Write(ref _sending, 0);
        }
    }

    /// <summary>The original: every receive error but a timeout is fatal (a timeout never comes here).</summary>
    private ReadError Ended(ReadError error)
    {
        _fatal = true;
        return error;
    }

    private RecvFrameResult Fail(ReadError error)
    {
        Ended(error);
        return RecvFrameResult.Failure(error.Err, error.Kind);
    }

    private SendResult FailSend(string err)
    {
        _fatal = true;
        return SendResult.Failure(err);
    }

    private void Publish(in RecvFrameResult frame)
    {
        var subscribers = _connection.Subscribers;
        if (subscribers.IsEmpty)
            return;
        var received = new FrameReceived(_connection.Id, frame);
        foreach (var subscriber in subscribers)
            subscriber.Tell(received, _connection.Self);
    }
}
