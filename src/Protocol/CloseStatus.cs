namespace Cosocket.Protocol;

/// <summary>Close status codes of RFC 6455 §7.4.1 and the IANA registry.</summary>
public static class CloseStatus
{
    public const ushort NormalClosure = 1000;
    public const ushort GoingAway = 1001;
    public const ushort ProtocolError = 1002;
    public const ushort UnsupportedData = 1003;
    /// <summary>Reserved: "MUST NOT be set as a status code in a Close control frame by an endpoint."</summary>
    public const ushort NoStatusReceived = 1005;
    /// <summary>Reserved: the connection closed without a close frame.</summary>
    public const ushort AbnormalClosure = 1006;
    public const ushort InvalidFramePayloadData = 1007;
    public const ushort PolicyViolation = 1008;
    public const ushort MessageTooBig = 1009;
    public const ushort MandatoryExtension = 1010;
    public const ushort InternalError = 1011;
    public const ushort ServiceRestart = 1012;
    public const ushort TryAgainLater = 1013;
    public const ushort BadGateway = 1014;
    /// <summary>Reserved: TLS handshake failure, never sent on the wire.</summary>
    public const ushort TlsHandshake = 1015;

    /// <summary>
    /// Whether <paramref name="code"/> may appear in a close frame on the wire (RFC 6455 §7.4):
    /// 1000–1003 and 1007–1014 are defined, 3000–4999 are for libraries and applications; 0–999,
    /// the reserved 1004–1006 and 1015, and the unassigned 1016–2999 and 5000+ are protocol errors.
    /// The seed's frame API does not apply this; the message layer does.
    /// </summary>
    public static bool IsValidOnWire(int code) =>
        code is >= 1000 and <= 1003 or >= 1007 and <= 1014 or >= 3000 and <= 4999;
}
