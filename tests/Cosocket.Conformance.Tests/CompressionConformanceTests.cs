using System.Text;
using Cosocket.Actors.Connections;

namespace Cosocket.Conformance.Tests;

/// <summary>
/// permessage-deflate (RFC 7692) as the Autobahn TestSuite's sections 12 and 13 drive it: messages of
/// 16 B to 256 KiB, whole and in fragments, echoed under each negotiated configuration, against
/// Cosocket's server (the peer offers) and Cosocket's client (the peer answers). The peer compresses
/// and inflates with .NET's <c>DeflateStream</c>, apart from Cosocket's own zlib binding.
/// </summary>
public sealed class CompressionConformanceTests(Roles roles) : IClassFixture<Roles>
{
    private static readonly int[] Sizes = [16, 64, 256, 1024, 4096, 16384, 65536, 262144];

    private static readonly int[] Fragments = [int.MaxValue, 1000];

    /// <summary>Autobahn 12.x (the plain offer) and 13.x (each parameter asked of the server),
    /// with the server's answer: (path, offer, expected answer).</summary>
    private static readonly (string Path, string Offer, string Answer)[] Offers =
    [
        ("/echo-deflate", "permessage-deflate", "permessage-deflate"),
        ("/echo-deflate", "permessage-deflate; client_no_context_takeover", "permessage-deflate; client_no_context_takeover"),
        ("/echo-deflate", "permessage-deflate; server_no_context_takeover", "permessage-deflate; server_no_context_takeover"),
        ("/echo-deflate", "permessage-deflate; server_max_window_bits=9; client_max_window_bits", "permessage-deflate; server_max_window_bits=9"),
        ("/echo-deflate", "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10",
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10"),
        ("/echo-deflate", "permessage-deflate; server_max_window_bits=8", "permessage-deflate; server_max_window_bits=8"),
        ("/echo-deflate-defaults", "permessage-deflate; client_max_window_bits", "permessage-deflate; server_no_context_takeover; client_no_context_takeover"),
    ];

    /// <summary>What a raw server answers Cosocket's client, which offers context takeover and says it
    /// supports client_max_window_bits.</summary>
    private static readonly string[] Answers =
    [
        "permessage-deflate",
        "permessage-deflate; server_no_context_takeover",
        "permessage-deflate; client_no_context_takeover",
        "permessage-deflate; client_max_window_bits=9",
        "permessage-deflate; server_max_window_bits=10; client_max_window_bits=8",
    ];

    public static IEnumerable<object[]> ServerShapes() =>
        from door in Enum.GetValues<FrontDoor>() from offer in Enumerable.Range(0, Offers.Length) from size in Sizes from fragment in Fragments
        select new object[] { door, offer, size, fragment };

    public static IEnumerable<object[]> ClientShapes() =>
        from answer in Enumerable.Range(0, Answers.Length) from size in Sizes from fragment in Fragments select new object[] { answer, size, fragment };

    [Theory]
    [MemberData(nameof(ServerShapes))]
    public async Task Server(FrontDoor door, int offer, int size, int fragment)
    {
        var (path, offered, answer) = Offers[offer];
        var (peer, extensions) = await roles.ConnectToServerAsync(door, path, offered);
        await using (peer)
        {
            Assert.Equal(answer, extensions);
            await ExchangeAsync(peer, Parse(answer), size, fragment);
        }
    }

    [Theory]
    [MemberData(nameof(ClientShapes))]
    public async Task Client(int answer, int size, int fragment)
    {
        var (peer, run) = await roles.ConnectClientAsync(Roles.OfferDecides, Answers[answer]);
        await using (peer)
            await ExchangeAsync(peer, Parse(Answers[answer]), size, fragment);
        Assert.Equal("close 1000", (await run.WaitAsync(WirePeer.Patience)).Ending);
    }

    /// <summary>Three messages (later ones may refer to earlier ones with context takeover), each sent
    /// compressed when the peer may, in <paramref name="fragment"/>-byte frames, and expected back
    /// compressed whenever the side under test may compress (every message: its threshold is 0).</summary>
    private static async Task ExchangeAsync(WirePeer peer, Agreed agreed, int size, int fragment)
    {
        // The peer's side is the client when it tests the server.
        bool peerIsClient = peer.IsClient;
        int peerBits = peerIsClient ? agreed.ClientBits : agreed.ServerBits;
        int testedBits = peerIsClient ? agreed.ServerBits : agreed.ClientBits;
        var deflate = new PeerDeflate(
            sendTakeover: !(peerIsClient ? agreed.ClientNoContext : agreed.ServerNoContext),
            canCompress: peerBits == 15,
            receiveTakeover: !(peerIsClient ? agreed.ServerNoContext : agreed.ClientNoContext));
        for (int round = 0; round < 3; round++)
        {
            byte[] message = Json(size, round);
            byte[]? compressed = deflate.Compress(message);
            byte[] payload = compressed ?? message;
            var frames = new List<byte>();
            int offset = 0;
            do
            {
                int length = Math.Min(fragment, payload.Length - offset);
                bool first = offset == 0, last = offset + length == payload.Length;
                frames.AddRange(peer.Encode(last, first ? Expect.Text : Expect.Continuation, payload[offset..(offset + length)],
                    rsv: first && compressed is not null ? 4 : 0));
                offset += length;
            }
            while (offset < payload.Length);
            await peer.WriteAsync([.. frames]);
            await ExpectCompressedAsync(peer, deflate, message, compressedExpected: testedBits >= 9);
        }
        await peer.CloseNormallyAsync();
    }

    private static async Task ExpectCompressedAsync(WirePeer peer, PeerDeflate deflate, byte[] message, bool compressedExpected)
    {
        var first = await peer.ReceiveAsync();
        Assert.True(first.Opcode == Expect.Text, $"expected a text message, got {first}");
        // RFC 7692 §6: RSV1 on the first frame of a compressed message, on no other.
        Assert.True(first.Rsv == (compressedExpected ? 4 : 0), $"expected {(compressedExpected ? "a compressed" : "an uncompressed")} message, got {first}");
        var joined = new MemoryStream();
        joined.Write(first.Payload);
        var frame = first;
        while (!frame.Fin)
        {
            frame = await peer.ReceiveAsync();
            Assert.True(frame.Opcode == Expect.Continuation && frame.Rsv == 0, $"expected a continuation without RSV bits, got {frame}");
            joined.Write(frame.Payload);
        }
        byte[] received = compressedExpected ? deflate.Decompress(joined.ToArray()) : joined.ToArray();
        Assert.True(message.AsSpan().SequenceEqual(received), $"the echo of {message.Length} bytes came back as {received.Length} different bytes");
    }

    private sealed record Agreed(bool ServerNoContext, bool ClientNoContext, int ServerBits, int ClientBits);

    /// <summary>The answer as the peer reads it (written here, not by Cosocket's negotiation).</summary>
    private static Agreed Parse(string answer)
    {
        var parameters = answer.Split(';', StringSplitOptions.TrimEntries).Skip(1)
            .Select(p => p.Split('=')).ToDictionary(p => p[0], p => p.Length > 1 ? int.Parse(p[1]) : 0);
        return new Agreed(parameters.ContainsKey("server_no_context_takeover"), parameters.ContainsKey("client_no_context_takeover"),
            parameters.GetValueOrDefault("server_max_window_bits", 15), parameters.GetValueOrDefault("client_max_window_bits", 15));
    }

    /// <summary>Chat-like JSON of exactly <paramref name="size"/> bytes, a little different each round.</summary>
    private static byte[] Json(int size, int round)
    {
        var text = new StringBuilder();
        for (int i = 0; text.Length < size; i++)
            text.Append($"{{\"user\":\"user{(i + round) % 7}\",\"room\":\"lobby\",\"text\":\"message {i * 31 + round}\"}},");
        return Encoding.UTF8.GetBytes(text.ToString(0, size));
    }
}
