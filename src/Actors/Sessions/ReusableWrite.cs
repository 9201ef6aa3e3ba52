using System.Threading.Tasks.Sources;
using Cosocket.Actors.Pipeline;

namespace Cosocket.Actors.Sessions;

/// <summary>
/// The completion of a connection's awaited sends, reused from one send to the next: a connection has
/// at most one awaited send at a time (D10), so one <see cref="IValueTaskSource{TResult}"/> serves all
/// of them, where a <see cref="TaskCompletionSource{TResult}"/> per send would allocate each time. Each
/// send gets a new version; a late word about an earlier one (a frame written after its send timed
/// out) carries the old version and is ignored. The waiter resumes where the write completes, on the
/// stream's thread, as before.
/// </summary>
internal sealed class ReusableWrite : IValueTaskSource<int>, IWriteObserver
{
    private ManualResetValueTaskSourceCore<int> _core = new() { RunContinuationsAsynchronously = false };
    private int _pending;

    /// <summary>Starts a send: the task of its byte count, and the token its frame carries.</summary>
    public ValueTask<int> Start(out short token)
    {
        _core.Reset();
        token = _core.Version;
        Volatile.Write(ref _pending, 1);
        return new ValueTask<int>(this, token);
    }

    public void OnWritten(int bytes, short token)
    {
        if (Take(token))
            _core.SetResult(bytes);
    }

    public void OnFailed(Exception error, short token)
    {
        if (Take(token))
            _core.SetException(error);
    }

    /// <summary>The current send's deadline passed.</summary>
    public void Cancel(CancellationToken cancellation) => OnFailed(new OperationCanceledException(cancellation), _core.Version);

    /// <summary>Completes the current send once: the first word wins; a word about an earlier send is ignored.</summary>
    private bool Take(short token) => token == _core.Version && Interlocked.Exchange(ref _pending, 0) == 1;

    public int GetResult(short token) => _core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
