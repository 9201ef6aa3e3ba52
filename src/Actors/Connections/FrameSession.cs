using Akka.Actor;
using Cosocket.Actors.Server;
using Cosocket.Actors.Transport;
using Cosocket.Protocol;
using Cosocket.Protocol.Framing;

namespace Cosocket.Actors.Connections;

/// <summary>
/// The frame-level rules the seed's server and client objects share (spec §2.3, §3.4): the
/// <c>fatal</c> flag (every error but a receive timeout sets it), one receive and one send at a time
/// (D10), the timeout of each receive and send (a deadline the connection actor's tick expires), and
/// publishing received frames to the connection's subscribers.
/// </summary>
internal sealed class FrameSession
{
    public const string FatalErrorAlreadyHappened = "fatal error already happened";
    public const string SocketBusyReading = "socket busy reading";
    public const string SocketBusyWriting = "socket busy writing";

    private readonly FrameConnection _connection;
    private readonly long _maxSendLen;
    private readonly bool _masked;
    private MaskKeyGenerator? _keys;
    private TimeSpan? _timeout;
    private volatile bool _fatal;
    private int _receiving;
    private int _sending;

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

    /// <summary>Zero or negative: no timeout.</summary>
    public void SetTimeout(TimeSpan timeout)
    {
        _timeout = timeout > TimeSpan.Zero ? timeout : null;
        _connection.Self.Tell(new FrameConnectionActor.TimeoutChanged(_timeout));
    }

    public async Task<RecvFrameResult> RecvFrameAsync()
    {
        if (_fatal)
            return RecvFrameResult.Failure(FatalErrorAlreadyHappened);
        if (Interlocked.Exchange(ref _receiving, 1) != 0)
            return RecvFrameResult.Failure(SocketBusyReading);
        try
        {
            DecodeResult result;
            while (!_connection.Incoming.TryRead(out result))
            {
                var cancellation = _connection.Deadlines.ArmReceive(_timeout);
                try
                {
                    if (!await _connection.Incoming.WaitToReadAsync(cancellation).ConfigureAwait(false))
                        return FailReceive(_connection.Framing.Phase.Describe(SocketErrors.Closed));
                }
                catch (OperationCanceledException)
                {
                    // Not fatal, and the half-read frame stays in the decoder (D1).
                    return RecvFrameResult.Failure(_connection.Framing.Phase.Describe(SocketErrors.Timeout));
                }
                finally
                {
                    _connection.Deadlines.DisarmReceive();
                }
            }
            if (result.Status == DecodeStatus.Error)
                return FailReceive(result.Error!);
            var frame = RecvFrameResult.FromFrame(result.Frame);
            Publish(frame);
            return frame;
        }
        finally
        {
            Volatile.Write(ref _receiving, 0);
        }
    }

    /// <summary>The original's <c>send_frame</c>: any failure, validation included, is fatal.</summary>
    public async Task<SendResult> SendFrameAsync(bool fin, int opcode, ReadOnlyMemory<byte> payload)
    {
        if (_fatal)
            return SendResult.Failure(FatalErrorAlreadyHappened);
        if (Interlocked.Exchange(ref _sending, 1) != 0)
            return SendResult.Failure(SocketBusyWriting);
        try
        {
            if (FrameEncoder.ValidateSend(fin, opcode, payload.Length, _maxSendLen) is { } invalid)
                return FailSend(invalid);
            uint? key = _masked ? (_keys ??= new MaskKeyGenerator()).Next() : null;
            var cancellation = _connection.Deadlines.ArmSend(_timeout);
            try
            {
                // The payload is not copied when it is large and unmasked: it must not change until this returns.
                return new SendResult(await _connection.WriteAsync(fin, opcode, payload, key, cancellation).ConfigureAwait(false), null);
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

    private RecvFrameResult FailReceive(string err)
    {
        // The original: every receive error but a timeout is fatal.
        if (!err.Contains(": timeout", StringComparison.Ordinal))
            _fatal = true;
        return RecvFrameResult.Failure(err);
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
