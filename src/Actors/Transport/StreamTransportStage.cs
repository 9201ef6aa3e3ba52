using System.Buffers;
using System.Net.Sockets;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Stage;

namespace Cosocket.Actors.Transport;

/// <summary>
/// The connection's I/O as a <c>Flow&lt;ByteString, ByteString&gt;</c> over a <see cref="Stream"/>
/// (a <see cref="System.Net.Sockets.NetworkStream"/>, or an <see cref="System.Net.Security.SslStream"/>
/// over one), so the rest of the graph does not care whether it is TCP, a Unix socket or TLS.
/// </summary>
/// <remarks>
/// Why not Akka.NET's own Streams TCP: it writes one element per ack, holds a read buffer of
/// <c>maximum-frame-size</c> for each connection's whole life, and has no TLS stage. Here a read is
/// started only on demand, and begins with a zero-byte read, so an idle connection holds no buffer;
/// a write is awaited before the next element is pulled, so the stage upstream (the protocol stage)
/// knows that everything it pushed before a pull has been handed to the socket. Reads and writes run
/// at the same time; completing the inlet shuts the sending side down once the last write is done.
/// When the reader goes away first (a protocol error ended the inbound side), input is still read and
/// dropped until the peer's EOF: closing a socket with unread data makes TCP answer with a reset,
/// which can destroy the close frame still on its way to the peer. The connection's close timeout
/// bounds how long a peer that never closes is drained.
/// The stream must not buffer writes (NetworkStream and SslStream do not): a completed write is on
/// its way to the peer.
/// </remarks>
internal sealed class StreamTransportStage : GraphStageWithMaterializedValue<FlowShape<ByteString, ByteString>, TransportHandle>
{
    /// <summary>The largest read; a read returns whatever has arrived, up to this.</summary>
    public const int ReadBufferSize = 64 * 1024;

    /// <summary>
    /// The stage holds no connection: its stream is attached to each materialization through
    /// <see cref="TransportHandle.Attach"/>, so one graph blueprint serves every connection.
    /// </summary>
    public StreamTransportStage() => Shape = new FlowShape<ByteString, ByteString>(In, Out);

    public Inlet<ByteString> In { get; } = new("transport.in");
    public Outlet<ByteString> Out { get; } = new("transport.out");
    public override FlowShape<ByteString, ByteString> Shape { get; }

    protected override Attributes InitialAttributes => Attributes.CreateName("stream-transport");

    public override ILogicAndMaterializedValue<TransportHandle> CreateLogicAndMaterializedValue(Attributes inheritedAttributes)
    {
        var handle = new TransportHandle();
        return new LogicAndMaterializedValue<TransportHandle>(new Logic(this, handle), handle);
    }

    /// <remarks>The logic is its own handler of both ports: no handler objects or delegates for each
    /// connection to keep.</remarks>
    private sealed class Logic : GraphStageLogic, IInHandler, IOutHandler
    {
        private readonly StreamTransportStage _stage;
        private readonly TransportHandle _handle;
        private Stream? _stream;
        private Action _shutdownSend = () => { };
        private Action<(byte[]? Data, Exception? Error)> _onRead = null!;
        private Action<Exception?> _onWritten = null!;
        private bool _reading;
        private bool _writing;
        private bool _inletFinished;
        private bool _draining;  // the reader is gone: input is read and dropped until EOF
        private bool _inputDone; // EOF or a read error while draining
        private ByteString _pendingRead = ByteString.Empty;

        public Logic(StreamTransportStage stage, TransportHandle handle) : base(stage.Shape)
        {
            _stage = stage;
            _handle = handle;
            SetHandler(stage.In, this);
            SetHandler(stage.Out, this);
        }

        public void OnUpstreamFailure(Exception e) => FailStage(e);

        public void OnPull() => StartRead();

        public void OnDownstreamFinish(Exception cause)
        {
            // The reader is gone; keep writing what the writer still has, and drain the input. The
            // stage must outlive its ports for that: once the writer is done too, all of them are closed.
            _draining = true;
            SetKeepGoing(true);
            _pendingRead = ByteString.Empty;
            if (!_reading)
                Drain();
        }

        public override void PreStart()
        {
            _onRead = GetAsyncCallback<(byte[]? Data, Exception? Error)>(OnRead);
            _onWritten = GetAsyncCallback<Exception?>(OnWritten);
            _handle.Started(GetAsyncCallback<string>(reason => FailStage(new TransportClosedException(reason))),
                GetAsyncCallback<TransportHandle.Connection>(OnAttach));
        }

        public override void PostStop()
        {
            _stream?.Dispose();
            _handle.Stopped();
        }

        private void OnAttach(TransportHandle.Connection connection)
        {
            _stream = connection.Stream;
            _shutdownSend = connection.ShutdownSend;
            _pendingRead = _draining ? ByteString.Empty : connection.AlreadyRead;
            Pull(_stage.In);
            if (_draining)
                Drain();
            else if (IsAvailable(_stage.Out))
                StartRead();
        }

        private void StartRead()
        {
            if (_reading || _stream is null)
                return;
            if (!_pendingRead.IsEmpty)
            {
                Push(_stage.Out, _pendingRead);
                _pendingRead = ByteString.Empty;
                return;
            }
            // Bytes already waiting in the socket (a pipelining peer) are taken here, at once.
            if (_stream is NetworkStream { DataAvailable: true } network)
            {
                byte[] rented = ArrayPool<byte>.Shared.Rent(ReadBufferSize);
                try
                {
                    int read = network.Read(rented);
                    OnRead((read == 0 ? null : rented.AsSpan(0, read).ToArray(), null));
                }
                catch (Exception error)
                {
                    OnRead((null, error));
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(rented);
                }
                return;
            }
            _reading = true;
            _ = ReadAsync();
        }

        /// <summary>Both directions are done: writing finished (or failed), and reading ended.</summary>
        private bool ReadSideDone => IsClosed(_stage.Out) && (!_draining || _inputDone);

        private void Drain()
        {
            if (_stream is null || _inputDone)
                return;
            _reading = true;
            _ = ReadAsync();
        }

        private async Task ReadAsync()
        {
            byte[]? rented = null;
            try
            {
                // Wait for data without holding a buffer: idle connections cost no read memory.
                await _stream!.ReadAsync(Memory<byte>.Empty).ConfigureAwait(false);
                rented = ArrayPool<byte>.Shared.Rent(ReadBufferSize);
                int read = await _stream.ReadAsync(rented.AsMemory()).ConfigureAwait(false);
                _onRead((read == 0 ? null : rented.AsSpan(0, read).ToArray(), null));
            }
            catch (Exception error)
            {
                _onRead((null, error));
            }
            finally
            {
                if (rented is not null)
                    ArrayPool<byte>.Shared.Return(rented);
            }
        }

        private void OnRead((byte[]? Data, Exception? Error) result)
        {
            _reading = false;
            if (_draining)
            {
                if (result.Error is not null || result.Data is null)
                {
                    _inputDone = true;
                    if (_inletFinished && !_writing)
                        CompleteStage();
                }
                else
                    Drain();
                return;
            }
            if (IsClosed(_stage.Out))
                return;
            if (result.Error is not null)
                Fail(_stage.Out, result.Error);
            else if (result.Data is null)
                Complete(_stage.Out); // EOF: the peer will send nothing more; we may still write.
            else
                Push(_stage.Out, ByteString.FromBytes(result.Data));
            if (_inletFinished && !_writing && ReadSideDone)
                CompleteStage();
        }

        public void OnPush()
        {
            ByteString bytes = Grab(_stage.In);
            _writing = true;
            Task write;
            try
            {
                write = bytes.WriteToAsync(_stream!);
            }
            catch (Exception error)
            {
                OnWritten(error);
                return;
            }
            // A socket usually takes a write at once: finish it here, without a trip through the mailbox.
            if (write.IsCompletedSuccessfully)
                OnWritten(null);
            else
                _ = CompleteWriteAsync(write);
        }

        private async Task CompleteWriteAsync(Task write)
        {
            try
            {
                await write.ConfigureAwait(false);
                _onWritten(null);
            }
            catch (Exception error)
            {
                _onWritten(error);
            }
        }

        private void OnWritten(Exception? error)
        {
            _writing = false;
            if (error is not null)
            {
                FailStage(error);
                return;
            }
            if (_inletFinished)
                FinishWriting();
            else
                Pull(_stage.In);
        }

        public void OnUpstreamFinish()
        {
            _inletFinished = true;
            if (!_writing)
                FinishWriting();
        }

        private void FinishWriting()
        {
            try
            {
                _shutdownSend();
            }
            catch (Exception)
            {
                // Already reset by the peer: nothing more to send either way.
            }
            if (ReadSideDone)
                CompleteStage();
        }
    }
}

/// <summary>The materialized side of <see cref="StreamTransportStage"/>: when the connection is gone, and a way to cut it.</summary>
internal sealed class TransportHandle
{
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<(Action<string> Abort, Action<Connection> Attach)> _stage = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>What a materialization of the transport runs over.</summary>
    /// <param name="ShutdownSend">Half-closes the connection once everything is written (for a socket,
    /// <c>Shutdown(SocketShutdown.Send)</c>).</param>
    /// <param name="AlreadyRead">Bytes read from the stream before the graph existed (past a client's
    /// handshake response); they are emitted first.</param>
    public sealed record Connection(Stream Stream, Action ShutdownSend, ByteString AlreadyRead);

    /// <summary>Completes once the stream is disposed, however the connection ended.</summary>
    public Task Closed => _closed.Task;

    /// <summary>Closes the connection now, without flushing; pending operations fail with <paramref name="reason"/>.</summary>
    public void Abort(string reason = SocketErrors.Closed)
    {
        if (!_closed.Task.IsCompleted)
            _ = _stage.Task.ContinueWith(t => t.Result.Abort(reason), TaskContinuationOptions.OnlyOnRanToCompletion);
    }

    /// <summary>Gives the materialized transport its stream; it reads and writes from then on.
    /// If the stage has already stopped, the stream is disposed.</summary>
    public void Attach(Stream stream, Action shutdownSend, ByteString alreadyRead)
    {
        var connection = new Connection(stream, shutdownSend, alreadyRead);
        _ = _stage.Task.ContinueWith(t => t.Result.Attach(connection), TaskContinuationOptions.OnlyOnRanToCompletion);
        _ = _closed.Task.ContinueWith(_ => stream.Dispose(), TaskContinuationOptions.ExecuteSynchronously);
    }

    internal void Started(Action<string> abort, Action<Connection> attach) => _stage.TrySetResult((abort, attach));

    internal void Stopped() => _closed.TrySetResult();
}
