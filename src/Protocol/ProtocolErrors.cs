namespace Cosocket.Protocol;

/// <summary>
/// The exact error strings of lua-resty-websocket (docs/compatibility.md §1.5, §2.4, §3.5) that the protocol layer
/// produces, plus the few Cosocket adds (D2, D4). Callers compare against these, so they
/// never change wording.
/// </summary>
public static class ProtocolErrors
{
    // §1.5: receiving frames.
    public const string FirstTwoBytesPrefix = "failed to receive the first 2 bytes: ";
    public const string TwoByteLengthPrefix = "failed to receive the 2 byte payload length: ";
    public const string EightByteLengthPrefix = "failed to receive the 8 byte payload length: ";
    public const string PayloadReadPrefix = "failed to read masking-len and payload: ";
    public const string BadRsvBits = "bad RSV1, RSV2, or RSV3 bits";
    public const string ReservedNonControlFrames = "reserved non-control frames";
    public const string ReservedControlFrames = "reserved control frames";
    public const string FrameUnmasked = "frame unmasked";
    public const string PayloadLenTooLarge = "payload len too large";
    public const string TooLongControlPayload = "too long payload for control frame";
    public const string FragmentedControlFrame = "fragmented control frame";
    public const string ExceedingMaxPayloadLen = "exceeding max payload len";
    public const string CloseFrameNeedsStatusCode = "close frame with a body must carry a 2-byte status code";

    // §1.5: sending frames.
    public const string PayloadTooBig = "payload too big";
    public const string TooMuchControlPayload = "too much payload for control frame";
    public const string FailedToBuildFramePrefix = "failed to build frame: ";
    public const string FailedToSendFramePrefix = "failed to send frame: ";
    /// <summary>Cosocket's own: an opcode that does not fit the 4-bit field would corrupt the RSV bits.</summary>
    public const string BadOpcode = "bad opcode";

    // §2.3 / §3.4: close payloads.
    public const string BadStatusCode = "bad status code";

    // §2.4: the server handshake, in the order the original checks.
    public const string BadHttpVersion = "bad http version";
    public const string BadUpgradeRequestHeaderPrefix = "bad \"upgrade\" request header: ";
    public const string BadConnectionRequestHeader = "bad \"connection\" request header";
    public const string BadKeyRequestHeader = "bad \"sec-websocket-key\" request header";
    public const string BadVersionRequestHeader = "bad \"sec-websocket-version\" request header";
    /// <summary>Cosocket's own (RFC 6455 §4.2.1, which the original does not check): the method is not GET; answered with 405.</summary>
    public const string BadRequestMethod = "bad request method";
    /// <summary>Cosocket's own (RFC 8441 §5): an extended CONNECT for another protocol than websocket; answered with 400.</summary>
    public const string BadProtocolPseudoHeaderPrefix = "bad \":protocol\" pseudo-header: ";
    /// <summary>Cosocket's own (RFC 6455 §4.2.1): no Host header; answered with 400.</summary>
    public const string MissingHostRequestHeader = "missing \"host\" request header";
    /// <summary>Cosocket's own (D4): the request head was over <c>max_header_len</c>; answered with 431.</summary>
    public const string RequestHeaderTooLarge = "failed to receive request header: too large";
    /// <summary>Cosocket's own: a request head that is not HTTP/1.x syntax at all; answered with 400.</summary>
    public const string MalformedRequestLine = "malformed request line";

    /// <summary>A server's answer to a TLS handshake sent to its plain port.</summary>
    public const string TlsOnPlainPort = "a TLS handshake on a plain ws:// port: connect with ws://, or to the wss:// listener";
    public const string MalformedRequestHeader = "malformed request header";

    // §3.5 and D2: the client handshake.
    public const string BadWebSocketUri = "bad websocket uri";
    public const string FailedToReceiveResponseHeaderPrefix = "failed to receive response header: ";
    public const string ResponseHeaderTooLarge = "failed to receive response header: too large";
    public const string BadResponseStatusLinePrefix = "bad HTTP response status line: ";
    public const string UnexpectedResponseStatusPrefix = "failed websocket handshake: unexpected response status: ";
    public const string BadAcceptResponseHeader = "failed websocket handshake: bad \"sec-websocket-accept\" response header";
    /// <summary>RFC 6455 §4.1, client step 2: the Upgrade header must be "websocket".</summary>
    public const string BadUpgradeResponseHeader = "failed websocket handshake: bad \"upgrade\" response header";
    /// <summary>RFC 6455 §4.1, client step 3: the Connection header must hold the "Upgrade" token.</summary>
    public const string BadConnectionResponseHeader = "failed websocket handshake: bad \"connection\" response header";
    /// <summary>RFC 6455 §4.1, client step 5: an extension the client did not offer.</summary>
    public const string BadExtensionsResponseHeader = "failed websocket handshake: bad \"sec-websocket-extensions\" response header";
    /// <summary>RFC 6455 §4.1, client step 6: a subprotocol the client did not offer.</summary>
    public const string BadProtocolResponseHeader = "failed websocket handshake: bad \"sec-websocket-protocol\" response header";
}
