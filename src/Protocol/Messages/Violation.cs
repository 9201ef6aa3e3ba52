namespace Cosocket.Protocol.Messages;

/// <summary>
/// Why the message layer must _Fail the WebSocket Connection_ (RFC 6455 §7.1.7), and the close code
/// it sends first. Every violation, whether the frame decoder or the message validator found it,
/// gets its code here.
/// </summary>
public readonly record struct Violation(ushort CloseCode, string Reason)
{
    public const string ContinuationWithoutMessage = "continuation frame without a message to continue";
    public const string DataFrameInsideFragmentedMessage = "new data frame inside a fragmented message";
    public const string MessageTooBig = "message too big";
    public const string InvalidUtf8Text = "invalid UTF-8 in text message";
    public const string InvalidUtf8CloseReason = "invalid UTF-8 in close reason";
    public const string InvalidCloseCodePrefix = "invalid close code ";
    public const string MaskedFrameFromServer = "masked frame from the server";
    public const string CompressedBitMisplaced = "RSV1 set on a control frame or a continuation frame";
    public const string InvalidCompressedData = "invalid compressed data";
    public const string TooManyCompressedMessages = "too many compressed messages arriving at once";

    /// <summary>
    /// The close code for an error of the frame decoder: a frame over the receive limit is 1009
    /// (RFC 6455 §7.4.1: "a message that is too big for it to process"); every other framing error
    /// (reserved bits or opcodes, an unmasked client frame, a long or fragmented control frame, a
    /// one-byte close body) is 1002.
    /// </summary>
    public static Violation FromDecodeError(string error) => new(
        error is ProtocolErrors.ExceedingMaxPayloadLen or ProtocolErrors.PayloadLenTooLarge ? CloseStatus.MessageTooBig : CloseStatus.ProtocolError,
        error);
}
