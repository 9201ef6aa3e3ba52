using Cosocket.Protocol.Deflate;
using Cosocket.Protocol.Handshake;

namespace Cosocket.Protocol.Tests.Deflate;

/// <summary>RFC 7692 §7.1 on both sides: which offers a server accepts and what it answers, and
/// which responses a client accepts.</summary>
public class DeflateNegotiationTests
{
    private static HttpHeaders Headers(params string[] values) =>
        new([.. values.Select(v => new KeyValuePair<string, string>("Sec-WebSocket-Extensions", v))]);

    private static readonly DeflateParameters Rfc = new();

    // Server: offer → response, with a server that asks nothing of its own (the RFC's defaults).
    [Theory]
    [InlineData("permessage-deflate", "permessage-deflate")]
    [InlineData("permessage-deflate; client_max_window_bits", "permessage-deflate")]
    [InlineData("permessage-deflate; client_max_window_bits=10", "permessage-deflate; client_max_window_bits=10")]
    [InlineData("permessage-deflate; server_max_window_bits=10", "permessage-deflate; server_max_window_bits=10")]
    [InlineData("permessage-deflate; server_no_context_takeover", "permessage-deflate; server_no_context_takeover")]
    [InlineData("permessage-deflate; client_no_context_takeover", "permessage-deflate; client_no_context_takeover")]
    [InlineData("permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=12",
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=12")]
    [InlineData("permessage-deflate; server_max_window_bits=\"12\"", "permessage-deflate; server_max_window_bits=12")]
    [InlineData("permessage-deflate;server_max_window_bits=8", "permessage-deflate; server_max_window_bits=8")]
    [InlineData("x-webkit-deflate-frame, permessage-deflate", "permessage-deflate")]
    public void Accept_EachOfferParameter_IsAnsweredAsTheRfcSays(string offer, string response)
    {
        var agreed = DeflateNegotiation.Accept(Headers(offer), Rfc, out string? answer);
        Assert.NotNull(agreed);
        Assert.Equal(response, answer);
    }

    [Theory]
    [InlineData("permessage-deflate; unknown")]
    [InlineData("permessage-deflate; server_no_context_takeover; server_no_context_takeover")]
    [InlineData("permessage-deflate; server_no_context_takeover=1")]
    [InlineData("permessage-deflate; client_no_context_takeover=true")]
    [InlineData("permessage-deflate; server_max_window_bits")]
    [InlineData("permessage-deflate; server_max_window_bits=7")]
    [InlineData("permessage-deflate; server_max_window_bits=16")]
    [InlineData("permessage-deflate; server_max_window_bits=010")]
    [InlineData("permessage-deflate; client_max_window_bits=0")]
    [InlineData("permessage-deflate; client_max_window_bits=1x")]
    [InlineData("permessage-deflate; server_max_window_bits=\"\"")]
    [InlineData("permessage-deflate; server_max_window_bits=\"12")]
    [InlineData("permessage-deflate; ; server_no_context_takeover")]
    [InlineData("permessage-deflate server_no_context_takeover")]
    [InlineData("deflate-frame")]
    public void Accept_InvalidOrOtherOffer_IsDeclined(string offer)
    {
        Assert.Null(DeflateNegotiation.Accept(Headers(offer), Rfc, out string? answer));
        Assert.Null(answer);
    }

    [Fact]
    public void Accept_InvalidOfferThenValidOne_AcceptsTheValidOne()
    {
        var agreed = DeflateNegotiation.Accept(Headers("permessage-deflate; server_max_window_bits=20, permessage-deflate; client_max_window_bits"), Rfc, out string? answer);
        Assert.Equal(new DeflateParameters(), agreed);
        Assert.Equal("permessage-deflate", answer);
    }

    [Fact]
    public void Accept_OffersInSeveralFields_AreOneList()
    {
        var agreed = DeflateNegotiation.Accept(Headers("foo", "permessage-deflate; server_max_window_bits=11"), Rfc, out string? answer);
        Assert.Equal(11, agreed!.ServerMaxWindowBits);
        Assert.Equal("permessage-deflate; server_max_window_bits=11", answer);
    }

    [Fact]
    public void Accept_NoHeader_AcceptsNothing() =>
        Assert.Null(DeflateNegotiation.Accept(new HttpHeaders([]), Rfc, out _));

    // Server with wishes of its own.
    [Theory]
    // It may always demand no context takeover of either side (§7.1.1.1, §7.1.1.2).
    [InlineData("permessage-deflate", true, true, 15, 15, "permessage-deflate; server_no_context_takeover; client_no_context_takeover")]
    // It limits its own window even when the client did not ask (§7.1.2.1).
    [InlineData("permessage-deflate", false, false, 10, 15, "permessage-deflate; server_max_window_bits=10")]
    // Never above what the client asked for.
    [InlineData("permessage-deflate; server_max_window_bits=9", false, false, 12, 15, "permessage-deflate; server_max_window_bits=9")]
    [InlineData("permessage-deflate; server_max_window_bits=13", false, false, 12, 15, "permessage-deflate; server_max_window_bits=12")]
    // The client's window is limited only when the client said it supports it (§7.1.2.2).
    [InlineData("permessage-deflate", false, false, 15, 10, "permessage-deflate")]
    [InlineData("permessage-deflate; client_max_window_bits", false, false, 15, 10, "permessage-deflate; client_max_window_bits=10")]
    [InlineData("permessage-deflate; client_max_window_bits=9", false, false, 15, 10, "permessage-deflate; client_max_window_bits=9")]
    [InlineData("permessage-deflate; client_max_window_bits=12", false, false, 15, 10, "permessage-deflate; client_max_window_bits=10")]
    public void Accept_ServerWishes_AreAppliedWithinTheOffer(string offer, bool serverNoContext, bool clientNoContext, int serverBits, int clientBits, string response)
    {
        var wants = new DeflateParameters(serverNoContext, clientNoContext, serverBits, clientBits);
        var agreed = DeflateNegotiation.Accept(Headers(offer), wants, out string? answer);
        Assert.Equal(response, answer);
        // What the server answers is what the client reads back.
        var offered = DeflateNegotiation.ReadResponse(Headers(answer!), ClientOfferOf(offer), out string? error);
        Assert.Null(error);
        Assert.Equal(agreed, offered);
    }

    /// <summary>The client wishes an offer string stands for (the client always says it supports client_max_window_bits).</summary>
    private static DeflateParameters ClientOfferOf(string offer)
    {
        var parsed = ExtensionHeader.Parse(Headers(offer))![0];
        var names = parsed.Parameters.ToDictionary(p => p.Key, p => p.Value);
        return new DeflateParameters(names.ContainsKey("server_no_context_takeover"), names.ContainsKey("client_no_context_takeover"),
            names.TryGetValue("server_max_window_bits", out var s) ? int.Parse(s!) : 15,
            names.TryGetValue("client_max_window_bits", out var c) && c is not null ? int.Parse(c) : 15);
    }

    // Client: its offer.
    [Theory]
    [InlineData(false, false, 15, 15, "permessage-deflate; client_max_window_bits")]
    [InlineData(true, true, 15, 15, "permessage-deflate; server_no_context_takeover; client_no_context_takeover; client_max_window_bits")]
    [InlineData(false, false, 10, 12, "permessage-deflate; server_max_window_bits=10; client_max_window_bits=12")]
    public void Offer_Wishes_AreWrittenAsParameters(bool serverNoContext, bool clientNoContext, int serverBits, int clientBits, string offer) =>
        Assert.Equal(offer, DeflateNegotiation.Offer(new DeflateParameters(serverNoContext, clientNoContext, serverBits, clientBits)));

    // Client: the server's response.
    [Theory]
    [InlineData("permessage-deflate", false, false, 15, 15)]
    [InlineData("permessage-deflate; server_no_context_takeover", true, false, 15, 15)]
    [InlineData("permessage-deflate; client_no_context_takeover", false, true, 15, 15)]
    [InlineData("permessage-deflate; server_max_window_bits=9", false, false, 9, 15)]
    [InlineData("permessage-deflate; client_max_window_bits=8", false, false, 15, 8)]
    public void ReadResponse_ValidAnswer_GivesTheAgreement(string response, bool serverNoContext, bool clientNoContext, int serverBits, int clientBits)
    {
        var agreed = DeflateNegotiation.ReadResponse(Headers(response), Rfc, out string? error);
        Assert.Null(error);
        Assert.Equal(new DeflateParameters(serverNoContext, clientNoContext, serverBits, clientBits), agreed);
    }

    [Theory]
    [InlineData("permessage-deflate; client_max_window_bits", 15, false)]           // a response must give a value
    [InlineData("permessage-deflate; client_max_window_bits=13", 12, false)]        // more than offered
    [InlineData("permessage-deflate", 15, true)]                                     // server_no_context_takeover asked, not granted
    [InlineData("permessage-deflate; unknown=1", 15, false)]
    [InlineData("permessage-deflate; server_max_window_bits=5", 15, false)]
    [InlineData("permessage-deflate, permessage-deflate", 15, false)]               // more than one
    [InlineData("x-webkit-deflate-frame", 15, false)]                               // not offered
    [InlineData("permessage-deflate; server_no_context_takeover; server_no_context_takeover", 15, true)]
    public void ReadResponse_AnswerTheOfferDidNotAllow_FailsTheConnection(string response, int clientBits, bool serverNoContext)
    {
        var agreed = DeflateNegotiation.ReadResponse(Headers(response), new DeflateParameters(serverNoContext, false, 15, clientBits), out string? error);
        Assert.Null(agreed);
        Assert.Equal(ProtocolErrors.BadExtensionsResponseHeader, error);
    }

    [Fact]
    public void ReadResponse_ServerWindowAskedButNotAnswered_FailsTheConnection()
    {
        Assert.Null(DeflateNegotiation.ReadResponse(Headers("permessage-deflate"), new DeflateParameters(ServerMaxWindowBits: 10), out string? error));
        Assert.NotNull(error);
        Assert.Null(DeflateNegotiation.ReadResponse(Headers("permessage-deflate; server_max_window_bits=11"), new DeflateParameters(ServerMaxWindowBits: 10), out error));
        Assert.NotNull(error);
    }

    [Fact]
    public void ReadResponse_ClientWindowOfferedWithValueAndNotAnswered_KeepsTheOfferedLimit()
    {
        var agreed = DeflateNegotiation.ReadResponse(Headers("permessage-deflate"), new DeflateParameters(ClientMaxWindowBits: 11), out _);
        Assert.Equal(11, agreed!.ClientMaxWindowBits);
    }

    [Fact]
    public void ReadResponse_NoHeader_IsNotNegotiated()
    {
        Assert.Null(DeflateNegotiation.ReadResponse(new HttpHeaders([]), Rfc, out string? error));
        Assert.Null(error);
    }
}
