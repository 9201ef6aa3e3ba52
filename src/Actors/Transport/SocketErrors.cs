using System.Net.Sockets;

namespace Cosocket.Actors.Transport;

/// <summary>Socket failures in the words ngx_lua uses, which the seed's errors embed
/// (<c>failed to receive the first 2 bytes: closed</c>, <c>failed to send frame: broken pipe</c>).</summary>
internal static class SocketErrors
{
    public const string Closed = "closed";
    public const string Timeout = "timeout";
    public const string ConnectionReset = "connection reset by peer";
    public const string BrokenPipe = "broken pipe";
    public const string ConnectionRefused = "connection refused";

    public static string Describe(Exception? error) => error switch
    {
        null => Closed,
        SocketException { SocketErrorCode: SocketError.ConnectionReset } => ConnectionReset,
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => ConnectionRefused,
        SocketException { SocketErrorCode: SocketError.TimedOut } => Timeout,
        SocketException { SocketErrorCode: SocketError.Shutdown or SocketError.ConnectionAborted } => BrokenPipe,
        IOException { InnerException: SocketException inner } => Describe(inner),
        ObjectDisposedException or OperationCanceledException => Closed,
        TransportClosedException closed => closed.Message, // "closed", or why this side cut it
        _ => error.Message,
    };
}

/// <summary>The connection ended before an operation could complete.</summary>
internal sealed class TransportClosedException(string message = SocketErrors.Closed) : Exception(message);
