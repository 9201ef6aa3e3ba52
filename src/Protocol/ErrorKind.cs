namespace Cosocket.Protocol;

/// <summary>
/// What kind of failure a receive or send returned. The seed returns only its error string (whose
/// exact wording the API keeps); code decides on the kind, never on the wording.
/// </summary>
public enum ErrorKind
{
    /// <summary>No error.</summary>
    None,

    /// <summary>The call was refused before anything happened (a receive or send already running, the
    /// other API already reading, a fatal error earlier, an argument out of range); nothing changed.</summary>
    Refused,

    /// <summary>The operation did not complete within the timeout. A receive timeout is not fatal and
    /// loses nothing: the next receive resumes the same frame (D1).</summary>
    Timeout,

    /// <summary>The connection has ended: the peer closed or reset it, or this side cut it.</summary>
    Closed,

    /// <summary>The peer broke the protocol (RFC 6455 or the message layer's limits).</summary>
    Protocol,
}
