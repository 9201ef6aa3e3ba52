using Akka.Actor;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Pipeline;
using Cosocket.Actors.Transport;
using Cosocket.Protocol;
using Cosocket.Protocol.Connection;
using Cosocket.Protocol.Framing;

namespace Cosocket.Actors.Sessions;

/// <summary>Why a read ended without an event: a timeout (not fatal), or the end of the events; the seed's words.</summary>
internal readonly record struct ReadError(ErrorKind Kind, string Err);

/// <summary>
/// The API-level rules the seed's server and client objects share (docs/compatibility.md §2.3, §3.4),
/// over the connection's protocol: the <c>fatal</c> flag (every error but a receive timeout sets it),
/// one receive and one send at a time (D10), the timeout of each receive and send (a deadline the
/// connection actor's timer expires), and publishing received frames to the connection's subscribers.
/// The message layer (<see cref="MessageSession"/>) receives and sends through the same rules.
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
    private TimeSpan? _timeout;
    private volatile bool _fatal;
    private int _receiving;
    private int _sending;
    private int _mode;

    public FrameSession(FrameConnection connection, long maxSendLen, TimeSpan? timeout)
    {
        _connection = connection;
        _maxSendLen = maxSendLen;
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
            var (next, error) = await ReadAsync().ConfigureAwait(false);
            if (error is { } ended)
                return RecvFrameResult.Failure(ended.Err, ended.Kind);
            if (next.Kind != ProtocolEventKind.Frame)
            {
                _fatal = true; // the protocol's last event: a framing error, or the end of input
                return RecvFrameResult.Failure(next.Error!, next.ErrorKind);
            }
            var frame = RecvFrameResult.FromFrame(next.Frame);
            Publish(frame);
            return frame;
        }
        finally
        {
            EndReceive();
        }
    }

    /// <summary>Fixes which API reads this connection, and tells the protocol; false when the other one already does.</summary>
    public bool TryUseReceiveMode(ReceiveMode mode)
    {
        int current = Interlocked.CompareExchange(ref _mode, (int)mode, (int)ReceiveMode.Undecided);
        if (current == (int)ReceiveMode.Undecided)
            _connection.Protocol.UseMode(mode);
        return current == (int)ReceiveMode.Undecided || current == (int)mode;
    }

    /// <summary>Takes the receive side (D10); false when a receive is already running.</summary>
    public bool TryBeginReceive() => Interlocked.Exchange(ref _receiving, 1) == 0;

    public void EndReceive() => Volatile.Write(ref _receiving, 0);

    /// <summary>
    /// The protocol's next event, waiting at most the timeout; the caller holds the receive side. A
    /// timeout is not fatal and keeps a half-read frame (D1). Once the events are over (the
    /// connection was cut), that is fatal and comes back as the error.
    /// </summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<(ProtocolEvent Event, ReadError? Error)> ReadAsync()
    {
        ProtocolEvent next;
        while (!_connection.Incoming.TryRead(out next))
        {
            var cancellation = _connection.Deadlines.ArmReceive(_timeout);
            try
            {
                if (!await _connection.Incoming.WaitToReadAsync(cancellation).ConfigureAwait(false))
                {
                    _fatal = true;
                    return (default, new ReadError(ErrorKind.Closed, _connection.Protocol.Phase.Describe(SocketErrors.Closed)));
                }
            }
            catch (OperationCanceledException)
            {
                return (default, new ReadError(ErrorKind.Timeout, _connection.Protocol.Phase.Describe(SocketErrors.Timeout)));
            }
            finally
            {
                _connection.Deadlines.DisarmReceive();
            }
        }
        return (next, null);
    }

    /// <summary>The original's <c>send_frame</c>: any failure, validation included, is fatal.</summary>
    public Task<SendResult> SendFrameAsync(bool fin, int opcode, ReadOnlyMemory<byte> payload) =>
        SendAsync(CommandKind.Frame, (Opcode)opcode, payload, fragmentSize: payload.Length, fin, validate: true);

    /// <summary>
    /// The message layer's send: <paramref name="payload"/> as one message of
    /// <paramref name="opcode"/>, in frames of at most <paramref name="fragmentSize"/> bytes queued
    /// together, so that no other sender's frame lands between them. A refusal because the close was
    /// sent is returned as <c>already closed</c> and is not fatal.
    /// </summary>
    public Task<SendResult> SendMessageAsync(Opcode opcode, ReadOnlyMemory<byte> payload, int fragmentSize) =>
        SendAsync(CommandKind.Message, opcode, payload, fragmentSize, fin: true, validate: false);

    /// <param name="validate">The original's checks; a message's frames are valid by construction.</param>
    private async Task<SendResult> SendAsync(CommandKind kind, Opcode opcode, ReadOnlyMemory<byte> payload, int fragmentSize, bool fin, bool validate)
    {
        if (_fatal)
            return SendResult.Failure(FatalErrorAlreadyHappened);
        if (Interlocked.Exchange(ref _sending, 1) != 0)
            return SendResult.Failure(SocketBusyWriting);
        try
        {
            if (validate && FrameEncoder.ValidateSend(fin, (int)opcode, payload.Length, _maxSendLen) is { } invalid)
                return FailSend(invalid);
            var cancellation = _connection.Deadlines.ArmSend(_timeout);
            try
            {
                // The payload is not copied: it must not change until this returns.
                long started = System.Diagnostics.Stopwatch.GetTimestamp();
                int written = await _connection.WriteAsync(kind, fin, opcode, payload, _write, cancellation, fragmentSize).ConfigureAwait(false);
                CosocketTelemetry.SendDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                return new SendResult(written, null);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                return FailSend(ProtocolErrors.FailedToSendFramePrefix + SocketErrors.Timeout);
            }
            catch (AlreadyClosedException)
            {
                return SendResult.Failure(MessageSession.AlreadyClosed);
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
