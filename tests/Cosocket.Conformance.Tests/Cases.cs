using System.Text;
using static Cosocket.Conformance.Tests.Expect;

namespace Cosocket.Conformance.Tests;

/// <summary>One conformance case: what the peer sends and what it expects back.</summary>
/// <param name="Id">The Autobahn TestSuite case it follows.</param>
/// <param name="Rfc">The RFC 6455 section it pins.</param>
public sealed record ConformanceCase(string Id, string Behaviour, string Rfc, Func<WirePeer, Task> Run)
{
    public string Name => $"{Id} {Behaviour} [RFC 6455 {Rfc}]";
}

/// <summary>
/// The catalogue, section by section as the Autobahn TestSuite walks RFC 6455 (sections 1–10:
/// framing, ping/pong, reserved bits, opcodes, fragmentation, UTF-8, close, limits, fragmented
/// sends). Every case runs against Cosocket's server (the peer is a client) and Cosocket's client
/// (the peer is a server); the expectations are Autobahn's strict ones: an echo where it echoes, the
/// exact close code where it fails, fail-fast on invalid UTF-8, and the server closing TCP first.
/// </summary>
public static class Cases
{
    /// <summary>Sequences from Markus Kuhn's UTF-8 decoder stress test, as Autobahn's 6.5–6.23 use them.</summary>
    private static readonly (string Hex, bool Valid)[] Utf8Vectors =
    [
        ("cebae1bdb9cf83cebcceb5", true), // Greek "kosme"
        ("00", true), ("c280", true), ("e0a080", true), ("f0908080", true),      // first of each length
        ("7f", true), ("dfbf", true), ("efbfbf", true), ("f48fbfbf", true),      // last of each length
        ("ed9fbf", true), ("ee8080", true), ("efbfbd", true),                     // around the surrogates, U+FFFD
        ("efbfbe", true), ("f09fbfbe", true), ("f48fbfbe", true),                 // noncharacters are valid
        ("f7bfbfbf", false), ("fbbfbfbfbf", false), ("fdbfbfbfbfbf", false),      // beyond U+10FFFF, old 5- and 6-byte forms
        ("f4908080", false),                                                      // U+110000
        ("80", false), ("bf", false), ("80bf", false), ("80bf80bf", false),      // lone continuation bytes
        ("c020", false), ("e02020", false), ("f0202020", false),                 // lead bytes followed by a space
        ("c0", false), ("e080", false), ("f08080", false), ("dfbf41", true),     // cut sequences; a complete one
        ("fe", false), ("ff", false), ("fefeffff", false),                        // never in UTF-8
        ("c0af", false), ("e080af", false), ("f08080af", false),                 // overlong "/"
        ("c1bf", false), ("e09fbf", false), ("f08fbfbf", false),                 // largest overlongs
        ("c080", false), ("e08080", false), ("f0808080", false),                 // overlong NUL
        ("eda080", false), ("edadbf", false), ("edae80", false), ("edafbf", false),
        ("edb080", false), ("edbe80", false), ("edbfbf", false),                  // single surrogates
        ("eda080edb080", false), ("edafbfedbfbf", false),                         // paired surrogates
    ];

    public static readonly IReadOnlyList<ConformanceCase> All =
    [
        .. Framing(), .. PingPong(), .. ReservedBits(), .. Opcodes(), .. Fragmentation(),
        .. Utf8Handling(), .. Closing(), .. Limits(),
    ];

    public static IEnumerable<object[]> Names => All.Select(c => new object[] { c.Name });

    public static ConformanceCase Named(string name) => All.Single(c => c.Name == name);

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

    private static byte[] Bytes(int length, byte seed = 0xFE) => Enumerable.Range(0, length).Select(i => (byte)(seed ^ i)).ToArray();

    private static string Chars(int length) => new('*', length);

    private static byte[] CloseBody(int code, string reason = "") => [(byte)(code >> 8), (byte)code, .. Utf8(reason)];

    private static ConformanceCase Case(string id, string behaviour, string rfc, Func<WirePeer, Task> run) => new(id, behaviour, rfc, run);

    /// <summary>Sends one message and expects it back, then closes normally.</summary>
    private static ConformanceCase Echo(string id, string behaviour, string rfc, int opcode, byte[] payload, int chop = int.MaxValue) =>
        Case(id, behaviour, rfc, async peer =>
        {
            await peer.WriteAsync(peer.Encode(true, opcode, payload), chop);
            await peer.MessageAsync(opcode, payload);
            await peer.CloseNormallyAsync();
        });

    /// <summary>Sends <paramref name="frames"/> and expects the connection to fail with <paramref name="code"/>.</summary>
    private static ConformanceCase Fails(string id, string behaviour, string rfc, int code, Func<WirePeer, byte[]> frames, int chop = int.MaxValue) =>
        Case(id, behaviour, rfc, async peer =>
        {
            await peer.WriteAsync(frames(peer), chop);
            await peer.FailureAsync(code);
        });

    // Section 1: framing. RFC 6455 §5.2 payload lengths: 7-bit, 16-bit and 64-bit forms and their edges.
    private static IEnumerable<ConformanceCase> Framing()
    {
        int[] lengths = [0, 125, 126, 127, 128, 65535, 65536];
        for (int i = 0; i < lengths.Length; i++)
        {
            yield return Echo($"1.1.{i + 1}", $"text message of {lengths[i]} bytes is echoed", "§5.2", Text, Utf8(Chars(lengths[i])));
            yield return Echo($"1.2.{i + 1}", $"binary message of {lengths[i]} bytes is echoed", "§5.2", Binary, Bytes(lengths[i]));
        }
        yield return Echo("1.1.8", "text message of 65536 bytes written in 997-byte chops is echoed", "§5.2", Text, Utf8(Chars(65536)), chop: 997);
        yield return Echo("1.2.8", "binary message of 65536 bytes written in 997-byte chops is echoed", "§5.2", Binary, Bytes(65536), chop: 997);
    }

    // Section 2: pings and pongs, RFC 6455 §5.5.2 and §5.5.3.
    private static IEnumerable<ConformanceCase> PingPong()
    {
        foreach (var (id, what, payload) in new[]
        {
            ("2.1", "empty ping", Array.Empty<byte>()),
            ("2.2", "ping with a text payload", Utf8("Hello, world!")),
            ("2.3", "ping with a binary payload", Hex("00 ff fe fd fc fb 00 ff")),
            ("2.4", "ping with 125 bytes of payload", Bytes(125)),
        })
        {
            yield return Case(id, $"{what} is answered by a pong with the same payload", "§5.5.2", async peer =>
            {
                await peer.SendAsync(true, Ping, payload);
                await peer.PongAsync(payload);
                await peer.CloseNormallyAsync();
            });
        }
        yield return Fails("2.5", "ping with 126 bytes of payload fails the connection with 1002", "§5.5", 1002,
            peer => peer.Encode(true, Ping, Bytes(126)));
        yield return Case("2.6", "ping of 125 bytes written one byte at a time is answered", "§5.5.2", async peer =>
        {
            await peer.WriteAsync(peer.Encode(true, Ping, Bytes(125)), chop: 1);
            await peer.PongAsync(Bytes(125));
            await peer.CloseNormallyAsync();
        });
        yield return Case("2.7", "unsolicited empty pong is ignored", "§5.5.3", async peer =>
        {
            await peer.SendAsync(true, Pong, []);
            await peer.CloseNormallyAsync();
        });
        yield return Case("2.8", "unsolicited pong with payload is ignored", "§5.5.3", async peer =>
        {
            await peer.SendAsync(true, Pong, Utf8("unsolicited pong payload"));
            await peer.CloseNormallyAsync();
        });
        yield return Case("2.9", "unsolicited pong, then a ping: only the ping is answered", "§5.5.3", async peer =>
        {
            await peer.WriteAsync([.. peer.Encode(true, Pong, Utf8("unsolicited pong payload")), .. peer.Encode(true, Ping, Utf8("ping payload"))]);
            await peer.PongAsync(Utf8("ping payload"));
            await peer.CloseNormallyAsync();
        });
        foreach (var (id, chop) in new[] { ("2.10", int.MaxValue), ("2.11", 1) })
        {
            yield return Case(id, $"10 pings sent at once{(chop == 1 ? " one byte at a time" : "")} are each answered in order", "§5.5.2", async peer =>
            {
                byte[] pings = [.. Enumerable.Range(0, 10).SelectMany(i => peer.Encode(true, Ping, Utf8($"payload-{i}")))];
                await peer.WriteAsync(pings, chop);
                for (int i = 0; i < 10; i++)
                    await peer.PongAsync(Utf8($"payload-{i}"));
                await peer.CloseNormallyAsync();
            });
        }
    }

    // Section 3: RSV bits. RFC 6455 §5.2: "MUST be 0 unless an extension is negotiated ... If a
    // nonzero value is received and none of the negotiated extensions defines the meaning of such a
    // nonzero value, the receiving endpoint MUST _Fail the WebSocket Connection_."
    private static IEnumerable<ConformanceCase> ReservedBits()
    {
        yield return Fails("3.1", "text frame with RSV1 fails the connection with 1002", "§5.2", 1002,
            peer => peer.Encode(true, Text, Utf8("Hello, world!"), rsv: 4));
        yield return Case("3.2", "valid text is echoed, then text with RSV2 fails the connection, and a ping after it is not answered", "§5.2", async peer =>
        {
            await peer.SendAsync(true, Text, Utf8("Hello, world!"));
            await peer.MessageAsync("Hello, world!");
            await peer.WriteAsync([.. peer.Encode(true, Text, Utf8("Hello, world!"), rsv: 2), .. peer.Encode(true, Ping, [])]);
            await peer.FailureAsync(1002);
        });
        yield return Case("3.3", "valid text, text with RSV3 and a ping in one write: the first echoed, then 1002, no pong", "§5.2", async peer =>
        {
            await peer.WriteAsync([.. peer.Encode(true, Text, Utf8("Hello, world!")), .. peer.Encode(true, Text, Utf8("Hello, world!"), rsv: 1),
                .. peer.Encode(true, Ping, [])]);
            await peer.MessageAsync("Hello, world!");
            await peer.FailureAsync(1002);
        });
        yield return Case("3.4", "valid text, text with RSV1|RSV2 and a ping written one byte at a time: echo, then 1002", "§5.2", async peer =>
        {
            await peer.WriteAsync([.. peer.Encode(true, Text, Utf8("Hello, world!")), .. peer.Encode(true, Text, Utf8("Hello, world!"), rsv: 6),
                .. peer.Encode(true, Ping, [])], chop: 1);
            await peer.MessageAsync("Hello, world!");
            await peer.FailureAsync(1002);
        });
        yield return Fails("3.5", "binary frame with RSV1|RSV3 fails the connection with 1002", "§5.2", 1002,
            peer => peer.Encode(true, Binary, Bytes(8), rsv: 5));
        yield return Fails("3.6", "ping with RSV2|RSV3 fails the connection with 1002", "§5.2", 1002,
            peer => peer.Encode(true, Ping, Utf8("Hello, world!"), rsv: 3));
        yield return Fails("3.7", "close with all RSV bits fails the connection with 1002", "§5.2", 1002,
            peer => peer.Encode(true, Close, [], rsv: 7));
    }

    // Section 4: reserved opcodes. RFC 6455 §5.2: "If an unknown opcode is received, the receiving
    // endpoint MUST _Fail the WebSocket Connection_."
    private static IEnumerable<ConformanceCase> Opcodes()
    {
        int[] nonControl = [3, 4, 5, 6, 7];
        int[] control = [11, 12, 13, 14, 15];
        for (int i = 0; i < 5; i++)
        {
            int data = nonControl[i], ctrl = control[i];
            byte[] payload = i % 2 == 0 ? [] : Utf8("reserved opcode payload");
            yield return Fails($"4.1.{i + 1}", $"reserved non-control opcode {data} fails the connection with 1002", "§5.2", 1002,
                peer => peer.Encode(true, data, payload));
            yield return Fails($"4.2.{i + 1}", $"reserved control opcode {ctrl} fails the connection with 1002", "§5.2", 1002,
                peer => peer.Encode(true, ctrl, payload));
        }
        yield return Case("4.1.6", "valid text, reserved opcode 5 and a ping: echo, then 1002, no pong", "§5.2", async peer =>
        {
            await peer.WriteAsync([.. peer.Encode(true, Text, Utf8("Hello, world!")), .. peer.Encode(true, 5, []), .. peer.Encode(true, Ping, [])]);
            await peer.MessageAsync("Hello, world!");
            await peer.FailureAsync(1002);
        });
    }

    // Section 5: fragmentation, RFC 6455 §5.4.
    private static IEnumerable<ConformanceCase> Fragmentation()
    {
        yield return Fails("5.1", "ping in two fragments fails the connection with 1002", "§5.5", 1002,
            peer => [.. peer.Encode(false, Ping, Utf8("fragment1")), .. peer.Encode(true, Continuation, Utf8("fragment2"))]);
        yield return Fails("5.2", "pong in two fragments fails the connection with 1002", "§5.5", 1002,
            peer => [.. peer.Encode(false, Pong, Utf8("fragment1")), .. peer.Encode(true, Continuation, Utf8("fragment2"))]);
        foreach (var (id, chop) in new[] { ("5.3", int.MaxValue), ("5.4", 1) })
        {
            yield return Case(id, $"text in two fragments{(chop == 1 ? " written one byte at a time" : "")} is echoed whole", "§5.4", async peer =>
            {
                await peer.WriteAsync([.. peer.Encode(false, Text, Utf8("fragment1")), .. peer.Encode(true, Continuation, Utf8("fragment2"))], chop);
                await peer.MessageAsync("fragment1fragment2");
                await peer.CloseNormallyAsync();
            });
        }
        foreach (var (id, chop) in new[] { ("5.6", int.MaxValue), ("5.7", 1) })
        {
            yield return Case(id, $"ping between two text fragments{(chop == 1 ? ", one byte at a time," : "")} is answered first, then the message echoed", "§5.4", async peer =>
            {
                await peer.WriteAsync([.. peer.Encode(false, Text, Utf8("fragment1")), .. peer.Encode(true, Ping, Utf8("ping payload")),
                    .. peer.Encode(true, Continuation, Utf8("fragment2"))], chop);
                await peer.PongAsync(Utf8("ping payload"));
                await peer.MessageAsync("fragment1fragment2");
                await peer.CloseNormallyAsync();
            });
        }
        yield return Case("5.8", "pong between two text fragments is ignored, the message echoed", "§5.4", async peer =>
        {
            await peer.WriteAsync([.. peer.Encode(false, Text, Utf8("fragment1")), .. peer.Encode(true, Pong, Utf8("pong payload")),
                .. peer.Encode(true, Continuation, Utf8("fragment2"))]);
            await peer.MessageAsync("fragment1fragment2");
            await peer.CloseNormallyAsync();
        });
        foreach (var (id, fin, chop) in new[] { ("5.9", true, int.MaxValue), ("5.10", true, 1), ("5.12", false, int.MaxValue), ("5.13", false, 1) })
        {
            yield return Fails(id, $"continuation (FIN {(fin ? "set" : "clear")}) with no message to continue fails with 1002", "§5.4", 1002,
                peer => [.. peer.Encode(fin, Continuation, Utf8("non-continuation payload")), .. peer.Encode(true, Text, Utf8("Hello, world!"))], chop);
        }
        yield return Case("5.15", "text in two fragments, then continuations of no message: echo, then 1002", "§5.4", async peer =>
        {
            await peer.WriteAsync([.. peer.Encode(false, Text, Utf8("fragment1")), .. peer.Encode(true, Continuation, Utf8("fragment2")),
                .. peer.Encode(false, Continuation, Utf8("fragment3")), .. peer.Encode(true, Text, Utf8("fragment4"))]);
            await peer.MessageAsync("fragment1fragment2");
            await peer.FailureAsync(1002);
        });
        yield return Fails("5.17", "a message that starts with a continuation, fragmented, fails with 1002", "§5.4", 1002,
            peer => [.. peer.Encode(true, Continuation, Utf8("fragment1")), .. peer.Encode(false, Text, Utf8("fragment2")),
                .. peer.Encode(true, Continuation, Utf8("fragment3"))]);
        yield return Fails("5.18", "a new text frame inside a fragmented text message fails with 1002", "§5.4", 1002,
            peer => [.. peer.Encode(false, Text, Utf8("fragment1")), .. peer.Encode(true, Text, Utf8("fragment2"))]);
        foreach (var (id, chop) in new[] { ("5.19", int.MaxValue), ("5.20", 1) })
        {
            yield return Case(id, $"five fragments with pings between, written {(chop == 1 ? "a byte" : "a frame")} at a time with pauses: pongs, then the message", "§5.4", async peer =>
            {
                await peer.WriteAsync([.. peer.Encode(false, Text, Utf8("fragment1")), .. peer.Encode(false, Continuation, Utf8("fragment2")),
                    .. peer.Encode(true, Ping, Utf8("pongme 1!"))], chop);
                await peer.PongAsync(Utf8("pongme 1!"));
                await peer.WriteAsync([.. peer.Encode(false, Continuation, Utf8("fragment3")), .. peer.Encode(false, Continuation, Utf8("fragment4")),
                    .. peer.Encode(true, Ping, Utf8("pongme 2!")), .. peer.Encode(true, Continuation, Utf8("fragment5"))], chop);
                await peer.PongAsync(Utf8("pongme 2!"));
                await peer.MessageAsync("fragment1fragment2fragment3fragment4fragment5");
                await peer.CloseNormallyAsync();
            });
        }
    }

    // Section 6: UTF-8. RFC 6455 §8.1: invalid UTF-8 in text MUST _Fail the WebSocket Connection_ (1007).
    private static IEnumerable<ConformanceCase> Utf8Handling()
    {
        yield return Case("6.1.1", "empty text message is echoed", "§5.6", async peer =>
        {
            await peer.SendAsync(true, Text, []);
            await peer.MessageAsync(Text, []);
            await peer.CloseNormallyAsync();
        });
        yield return Case("6.1.2", "text in three empty fragments is echoed as one empty message", "§5.4", async peer =>
        {
            await peer.WriteAsync([.. peer.Encode(false, Text, []), .. peer.Encode(false, Continuation, []), .. peer.Encode(true, Continuation, [])]);
            await peer.MessageAsync(Text, []);
            await peer.CloseNormallyAsync();
        });
        byte[] hello = Utf8("Hello-µ@ßöäüàá-UTF-8!!");
        yield return Echo("6.2.1", "valid UTF-8 with multi-byte characters in one frame is echoed", "§8.1", Text, hello);
        yield return Case("6.2.2", "valid UTF-8 split into two fragments on a character boundary is echoed", "§8.1", async peer =>
        {
            await peer.WriteAsync([.. peer.Encode(false, Text, hello[..7]), .. peer.Encode(true, Continuation, hello[7..])]);
            await peer.MessageAsync(Text, hello);
            await peer.CloseNormallyAsync();
        });
        yield return Case("6.2.3", "valid UTF-8 in one-byte fragments (characters split across frames) is echoed", "§8.1", async peer =>
        {
            byte[] frames = [.. hello.Select((b, i) => peer.Encode(i == hello.Length - 1, i == 0 ? Text : Continuation, [b])).SelectMany(f => f)];
            await peer.WriteAsync(frames);
            await peer.MessageAsync(Text, hello);
            await peer.CloseNormallyAsync();
        });
        yield return Echo("6.2.4", "valid UTF-8 (Greek) written one byte at a time is echoed", "§8.1", Text, Hex("cebae1bdb9cf83cebcceb5"), chop: 1);

        byte[] kosme = Hex("cebae1bdb9cf83cebcceb5");
        byte[] invalid = [.. kosme, .. Hex("eda080"), .. Utf8("edited")];
        yield return Fails("6.3.1", "text with a UTF-16 surrogate (ED A0 80) fails with 1007", "§8.1", 1007, peer => peer.Encode(true, Text, invalid));
        yield return Fails("6.3.2", "the same text one byte per fragment fails with 1007", "§8.1", 1007,
            peer => [.. invalid.Select((b, i) => peer.Encode(i == invalid.Length - 1, i == 0 ? Text : Continuation, [b])).SelectMany(f => f)]);

        // 6.4: fail fast. The side under test must fail as soon as the first impossible byte arrives,
        // without waiting for the rest of the frame or message, which is only sent after the close.
        byte[] beyond = Hex("f4908080"); // above U+10FFFF: impossible from its second byte, 0x90
        yield return Case("6.4.1", "invalid UTF-8 in the second of three fragments fails fast, before the third", "§8.1", async peer =>
        {
            await peer.SendAsync(false, Text, kosme);
            await peer.SendAsync(false, Continuation, beyond);
            await peer.FailureAsync(1007);
        });
        yield return Case("6.4.2", "invalid UTF-8 whose first impossible byte is a fragment of its own fails at that fragment", "§8.1", async peer =>
        {
            await peer.SendAsync(false, Text, kosme);
            await peer.SendAsync(false, Continuation, [0xF4]);
            await peer.SendAsync(false, Continuation, [0x90]);
            await peer.FailureAsync(1007);
        });
        yield return Case("6.4.3", "invalid UTF-8 in one frame fails fast mid-frame, before the frame's last chop", "§8.1", async peer =>
        {
            byte[] frame = peer.Encode(true, Text, [.. kosme, .. beyond, .. Utf8("edited")]);
            int header = frame.Length - (kosme.Length + beyond.Length + 6);
            await peer.WriteAsync(frame[..(header + kosme.Length)]);
            await peer.WriteAsync(frame[(header + kosme.Length)..(header + kosme.Length + 4)]);
            await peer.FailureAsync(1007);
        });
        yield return Case("6.4.4", "invalid UTF-8 in one frame fails at the chop holding its first impossible byte", "§8.1", async peer =>
        {
            byte[] frame = peer.Encode(true, Text, [.. kosme, .. beyond, .. Utf8("edited")]);
            int at = frame.Length - (beyond.Length + 6);
            await peer.WriteAsync(frame[..at]);
            await peer.WriteAsync(frame[at..(at + 1)]);       // F4: may still start U+100000–10FFFF
            await peer.WriteAsync(frame[(at + 1)..(at + 2)]); // 90: cannot
            await peer.FailureAsync(1007);
        });

        int valid = 0, bad = 0;
        foreach (var (hex, ok) in Utf8Vectors)
        {
            byte[] payload = Hex(hex);
            if (ok)
                yield return Echo($"6.5.{++valid}", $"valid UTF-8 {hex} is echoed", "§8.1", Text, payload);
            else
                yield return Fails($"6.6.{++bad}", $"invalid UTF-8 {hex} fails with 1007", "§8.1", 1007, peer => peer.Encode(true, Text, payload));
        }
    }

    // Section 7: the close handshake, RFC 6455 §5.5.1, §7.
    private static IEnumerable<ConformanceCase> Closing()
    {
        yield return Case("7.1.1", "text is echoed, then a close is answered and the server closes TCP", "§7.1.2", async peer =>
        {
            await peer.SendAsync(true, Text, Utf8("Hello World!"));
            await peer.MessageAsync("Hello World!");
            await peer.CloseNormallyAsync();
        });
        yield return Case("7.1.2", "a second close after the first is not answered", "§5.5.1", async peer =>
        {
            await peer.WriteAsync([.. peer.Encode(true, Close, CloseBody(1000)), .. peer.Encode(true, Close, CloseBody(1000))]);
            await peer.CloseReplyAsync(1000);
        });
        yield return Case("7.1.3", "a ping after a close is not answered", "§5.5.1", async peer =>
        {
            await peer.WriteAsync([.. peer.Encode(true, Close, CloseBody(1000)), .. peer.Encode(true, Ping, Utf8("Hello World!"))]);
            await peer.CloseReplyAsync(1000);
        });
        yield return Case("7.1.4", "a text message after a close is not echoed", "§5.5.1", async peer =>
        {
            await peer.WriteAsync([.. peer.Encode(true, Close, CloseBody(1000)), .. peer.Encode(true, Text, Utf8("Hello World!"))]);
            await peer.CloseReplyAsync(1000);
        });
        yield return Case("7.1.5", "a message whose last fragment comes after a close is not echoed", "§5.5.1", async peer =>
        {
            await peer.WriteAsync([.. peer.Encode(false, Text, Utf8("fragment1")), .. peer.Encode(true, Close, CloseBody(1000)),
                .. peer.Encode(true, Continuation, Utf8("fragment2"))]);
            await peer.CloseReplyAsync(1000);
        });
        yield return Case("7.1.6", "a close sent while large echoes are still coming is answered after them", "§7.1.2", async peer =>
        {
            byte[] big = Utf8(Chars(256 * 1024));
            await peer.WriteAsync([.. Enumerable.Range(0, 4).SelectMany(_ => peer.Encode(true, Text, big)), .. peer.Encode(true, Close, CloseBody(1000))]);
            for (int i = 0; i < 4; i++)
                await peer.MessageAsync(Text, big);
            await peer.CloseReplyAsync(1000);
        });
        yield return Case("7.3.1", "a close without a body is answered with a close without a body", "§5.5.1", async peer =>
        {
            await peer.SendAsync(true, Close, []);
            await peer.CloseReplyAsync(null);
        });
        yield return Fails("7.3.2", "a close body of one byte fails with 1002", "§5.5.1", 1002, peer => peer.Encode(true, Close, [0x03]));
        yield return Case("7.3.3", "a close with a code and no reason is echoed", "§5.5.1", peer => peer.CloseNormallyAsync(1000));
        yield return Case("7.3.4", "a close with a code and a reason is echoed", "§5.5.1", peer => peer.CloseNormallyAsync(1000, "Hello World!"));
        yield return Case("7.3.5", "a close with a 123-byte reason (the most a control frame holds) is echoed", "§5.5", peer => peer.CloseNormallyAsync(1000, Chars(123)));
        yield return Fails("7.3.6", "a close with a 124-byte reason (a 126-byte control frame) fails with 1002", "§5.5", 1002,
            peer => peer.Encode(true, Close, CloseBody(1000, Chars(124))));
        yield return Fails("7.5.1", "a close reason that is not UTF-8 fails with 1007", "§5.5.1", 1007,
            peer => peer.Encode(true, Close, [.. CloseBody(1000), .. Hex("cebae1bdb9cf83cebcceb5eda080656469746564")]));
        int valid = 0;
        foreach (int code in new[] { 1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999 })
            yield return Case($"7.7.{++valid}", $"a close with code {code} is echoed", "§7.4", peer => peer.CloseNormallyAsync(code));
        int invalid = 0;
        foreach (int code in new[] { 0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535 })
            yield return Fails($"7.9.{++invalid}", $"a close with code {code}, not valid on the wire, fails with 1002", "§7.4", 1002,
                peer => peer.Encode(true, Close, CloseBody(code)));
    }

    // Sections 9 and 10: large messages, many messages, fragmented and chopped sends; and the
    // receive limit, past which a message is refused with 1009 (RFC 6455 §7.4.1).
    private static IEnumerable<ConformanceCase> Limits()
    {
        int[] sizes = [64 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024, 16 * 1024 * 1024];
        for (int i = 0; i < sizes.Length; i++)
        {
            yield return Echo($"9.1.{i + 1}", $"text message of {sizes[i] / 1024} KiB is echoed", "§5.2", Text, Utf8(Chars(sizes[i])));
            yield return Echo($"9.2.{i + 1}", $"binary message of {sizes[i] / 1024} KiB is echoed", "§5.2", Binary, Bytes(sizes[i]));
        }
        int[] fragmentSizes = [64, 4096, 65536, 1024 * 1024];
        for (int i = 0; i < fragmentSizes.Length; i++)
        {
            int fragment = fragmentSizes[i];
            foreach (var (section, opcode) in new[] { ("9.3", Text), ("9.4", Binary) })
            {
                yield return Case($"{section}.{i + 1}", $"{(opcode == Text ? "text" : "binary")} message of 4 MiB in fragments of {fragment} bytes is echoed whole", "§5.4", async peer =>
                {
                    byte[] payload = opcode == Text ? Utf8(Chars(4 * 1024 * 1024)) : Bytes(4 * 1024 * 1024);
                    var frames = new MemoryStream();
                    for (int offset = 0; offset < payload.Length; offset += fragment)
                        frames.Write(peer.Encode(offset + fragment >= payload.Length, offset == 0 ? opcode : Continuation, payload[offset..Math.Min(payload.Length, offset + fragment)]));
                    await peer.WriteAsync(frames.ToArray());
                    await peer.MessageAsync(opcode, payload);
                    await peer.CloseNormallyAsync();
                });
            }
        }
        foreach (int chop in new[] { 64, 4096 })
        {
            yield return Echo($"9.5.{(chop == 64 ? 1 : 2)}", $"text message of 1 MiB written in {chop}-byte chops is echoed", "§5.2", Text, Utf8(Chars(1024 * 1024)), chop);
            yield return Echo($"9.6.{(chop == 64 ? 1 : 2)}", $"binary message of 1 MiB written in {chop}-byte chops is echoed", "§5.2", Binary, Bytes(1024 * 1024), chop);
        }
        foreach (var (id, opcode) in new[] { ("9.7", Text), ("9.8", Binary) })
        {
            yield return Case(id, $"1000 {(opcode == Text ? "text" : "binary")} messages of 16 bytes, one at a time, are each echoed", "§5.6", async peer =>
            {
                for (int i = 0; i < 1000; i++)
                {
                    byte[] payload = opcode == Text ? Utf8($"message {i,8}") : Bytes(16, (byte)i);
                    await peer.SendAsync(true, opcode, payload);
                    await peer.MessageAsync(opcode, payload);
                }
                await peer.CloseNormallyAsync();
            });
        }
        yield return Case("10.1.1", "text message of 64 KiB in fragments of 1300 bytes is echoed whole", "§5.4", async peer =>
        {
            byte[] payload = Utf8(Chars(65536));
            var frames = new MemoryStream();
            for (int offset = 0; offset < payload.Length; offset += 1300)
                frames.Write(peer.Encode(offset + 1300 >= payload.Length, offset == 0 ? Text : Continuation, payload[offset..Math.Min(payload.Length, offset + 1300)]));
            await peer.WriteAsync(frames.ToArray());
            await peer.MessageAsync(Text, payload);
            await peer.CloseNormallyAsync();
        });
        yield return Fails("L.1", "a frame announcing more than the receive limit fails with 1009 before its payload is sent", "§7.4.1", 1009,
            peer => peer.Encode(true, Binary, [], length: Roles.MaxMessageLen + 1L));
        yield return Fails("L.2", "a fragment whose header takes the message past the limit fails with 1009 before its payload", "§7.4.1", 1009,
            peer => [.. peer.Encode(false, Binary, Bytes(Roles.MaxMessageLen / 2 + 1)), .. peer.Encode(true, Continuation, [], length: Roles.MaxMessageLen / 2)]);
    }
}
