using Cosocket.Protocol.Handshake;

namespace Cosocket.Protocol.Deflate;

/// <summary>
/// The negotiation of permessage-deflate (RFC 7692 §5, §7.1) in the opening handshake: the client's
/// offer, the server's choice among the offers and its response, and the client's check of that
/// response. Offers are read strictly: one with a parameter that is unknown, repeated or has an
/// invalid value is declined, as §7.1 requires, and the next one is considered.
/// </summary>
public static class DeflateNegotiation
{
    public const string ExtensionName = "permessage-deflate";

    private const string ServerNoContextTakeover = "server_no_context_takeover";
    private const string ClientNoContextTakeover = "client_no_context_takeover";
    private const string ServerMaxWindowBits = "server_max_window_bits";
    private const string ClientMaxWindowBits = "client_max_window_bits";

    /// <summary>One offer's parameters; a window of 0 was not given, and <see cref="ClientWindowOffered"/>
    /// says whether <c>client_max_window_bits</c> was there at all (it may come without a value).</summary>
    private readonly record struct Parameters(bool ServerNoContext, bool ClientNoContext, int ServerWindow, bool ClientWindowOffered, int ClientWindow);

    /// <summary>
    /// The server's side: the first offer in <paramref name="headers"/> it can accept, given what it
    /// <paramref name="wants"/>, and the <c>Sec-WebSocket-Extensions</c> value that accepts it. Null
    /// when there is none (no offer, only offers of other extensions or invalid ones, or a header
    /// that breaks the grammar): the response then has no such header and nothing is compressed.
    /// </summary>
    public static DeflateParameters? Accept(HttpHeaders headers, DeflateParameters wants, out string? response)
    {
        response = null;
        if (ExtensionHeader.Parse(headers) is not { } offers)
            return null;
        foreach (var offer in offers)
        {
            if (offer.Name != ExtensionName || Read(offer, inResponse: false) is not { } offered)
                continue; // §7.1: "A server MUST decline an extension negotiation offer" it cannot read; the next one may do
            // §7.1.1.1: the server may always include server_no_context_takeover; §7.1.1.2: it may
            // include client_no_context_takeover whether or not it was offered.
            bool serverNoContext = offered.ServerNoContext || wants.ServerNoContextTakeover;
            bool clientNoContext = offered.ClientNoContext || wants.ClientNoContextTakeover;
            // §7.1.2.1: accepted "with the same or smaller value as the offer"; without an offer the
            // server may still limit its own window.
            int serverWindow = Math.Min(offered.ServerWindow == 0 ? DeflateParameters.MaxWindowBits : offered.ServerWindow, wants.ServerMaxWindowBits);
            bool sayServerWindow = offered.ServerWindow != 0 || serverWindow < DeflateParameters.MaxWindowBits;
            // §7.1.2.2: the client's window may only be limited when the client said it supports the
            // parameter, and never above a value it gave.
            int clientWindow = DeflateParameters.MaxWindowBits;
            bool sayClientWindow = false;
            if (offered.ClientWindowOffered)
            {
                clientWindow = Math.Min(offered.ClientWindow == 0 ? DeflateParameters.MaxWindowBits : offered.ClientWindow, wants.ClientMaxWindowBits);
                sayClientWindow = offered.ClientWindow != 0 || clientWindow < DeflateParameters.MaxWindowBits;
            }
            var agreed = new DeflateParameters(serverNoContext, clientNoContext, serverWindow, clientWindow);
            response = Format(agreed, sayServerWindow, sayClientWindow ? clientWindow : null);
            return agreed;
        }
        return null;
    }

    /// <summary>The client's offer for what it <paramref name="wants"/>: it always says it supports
    /// <c>client_max_window_bits</c>, so a server may limit the client's window.</summary>
    public static string Offer(DeflateParameters wants) =>
        Format(wants, wants.ServerMaxWindowBits < DeflateParameters.MaxWindowBits, wants.ClientMaxWindowBits < DeflateParameters.MaxWindowBits ? wants.ClientMaxWindowBits : 0);

    /// <summary>
    /// The client's check of the server's response to <see cref="Offer"/>: the agreed parameters, or
    /// null when the server did not accept (no such header). <paramref name="error"/> is set when the
    /// response breaks RFC 7692 §7.1 and the client must _Fail the WebSocket Connection_: another
    /// extension, more than one, an unknown, repeated or invalid parameter, or a value the offer did
    /// not allow.
    /// </summary>
    public static DeflateParameters? ReadResponse(HttpHeaders headers, DeflateParameters offered, out string? error)
    {
        error = null;
        if (headers.CountOf(ExtensionHeader.Name) == 0)
            return null;
        var extensions = ExtensionHeader.Parse(headers);
        // RFC 6455 §4.1: an extension "not present in the client's handshake" fails the connection.
        if (extensions is not [var accepted] || accepted.Name != ExtensionName || Read(accepted, inResponse: true) is not { } answer)
        {
            error = ProtocolErrors.BadExtensionsResponseHeader;
            return null;
        }
        // §7.1.1.1: a server that accepts an offer of server_no_context_takeover includes it.
        bool refused = offered.ServerNoContextTakeover && !answer.ServerNoContext
            // §7.1.2.1: accepted "with the same or smaller value as the offer", and included.
            || offered.ServerMaxWindowBits < DeflateParameters.MaxWindowBits && (answer.ServerWindow == 0 || answer.ServerWindow > offered.ServerMaxWindowBits)
            // §7.1.2.2: never more than the client offered.
            || answer.ClientWindow > offered.ClientMaxWindowBits;
        if (refused)
        {
            error = ProtocolErrors.BadExtensionsResponseHeader;
            return null;
        }
        return new DeflateParameters(answer.ServerNoContext, answer.ClientNoContext || offered.ClientNoContextTakeover,
            answer.ServerWindow == 0 ? DeflateParameters.MaxWindowBits : answer.ServerWindow,
            answer.ClientWindow == 0 ? offered.ClientMaxWindowBits : answer.ClientWindow);
    }

    /// <summary>An offer's or a response's parameters; null when one is unknown, repeated or has an invalid value.</summary>
    private static Parameters? Read(ExtensionOffer extension, bool inResponse)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new Parameters();
        foreach (var (name, value) in extension.Parameters)
        {
            if (!seen.Add(name))
                return null;
            switch (name)
            {
                case ServerNoContextTakeover when value is null:
                    result = result with { ServerNoContext = true };
                    break;
                case ClientNoContextTakeover when value is null:
                    result = result with { ClientNoContext = true };
                    break;
                case ServerMaxWindowBits when WindowBits(value) is int bits:
                    result = result with { ServerWindow = bits };
                    break;
                // §7.1.2.2: an offer may carry it without a value; a response must give one.
                case ClientMaxWindowBits when value is null && !inResponse:
                    result = result with { ClientWindowOffered = true };
                    break;
                case ClientMaxWindowBits when WindowBits(value) is int bits:
                    result = result with { ClientWindowOffered = true, ClientWindow = bits };
                    break;
                default:
                    return null;
            }
        }
        return result;
    }

    /// <summary>§7.1.2: the value "MUST conform to the ABNF": <c>%x38-39 / "1" %x30-35</c>, 8 to 15 without leading zeros.</summary>
    private static int? WindowBits(string? value) => value switch
    {
        "8" or "9" or "10" or "11" or "12" or "13" or "14" or "15" => int.Parse(value, System.Globalization.CultureInfo.InvariantCulture),
        _ => null,
    };

    private static string Format(DeflateParameters parameters, bool serverWindow, int? clientWindow)
    {
        var list = new List<KeyValuePair<string, string?>>();
        if (parameters.ServerNoContextTakeover)
            list.Add(new(ServerNoContextTakeover, null));
        if (parameters.ClientNoContextTakeover)
            list.Add(new(ClientNoContextTakeover, null));
        if (serverWindow)
            list.Add(new(ServerMaxWindowBits, parameters.ServerMaxWindowBits.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        if (clientWindow is { } bits)
            list.Add(new(ClientMaxWindowBits, bits == 0 ? null : bits.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return ExtensionHeader.Format(new ExtensionOffer(ExtensionName, list));
    }
}
