using BenchmarkDotNet.Attributes;
using Cosocket.Bench.Shared;
using Cosocket.Protocol.Framing;
using Cosocket.Protocol.Messages;

namespace Cosocket.Bench;

/// <summary>
/// What the message layer's UTF-8 validation costs (issue 5): decoding 64-byte and 16 KiB masked
/// text frames with the message validator and without it, for ASCII and for mixed multilingual text;
/// and the validator alone. Per-frame numbers use OperationsPerInvoke.
/// </summary>
[MemoryDiagnoser]
public class Utf8Benchmarks
{
    private const int Frames = 1000;

    [Params(64, 16384)]
    public int Size { get; set; }

    [Params("ascii", "multilingual")]
    public string Text { get; set; } = "";

    private byte[] _stream = [];
    private byte[] _payload = [];

    [GlobalSetup]
    public void Setup()
    {
        _payload = SampleText.Repeat(Text == "ascii" ? SampleText.Ascii : SampleText.Multilingual, Size);
        var keys = new MaskKeyGenerator();
        _stream = Enumerable.Range(0, Frames).SelectMany(_ => FrameEncoder.BuildFrame(true, 0x1, _payload.Length, _payload, masking: true, keys).Frame!).ToArray();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Frames, Description = "decode masked text frame, no validation")]
    public int DecodeWithoutValidation() => Decode(null);

    [Benchmark(OperationsPerInvoke = Frames, Description = "decode masked text frame, message validator")]
    public int DecodeWithValidation() => Decode(new MessageValidator(1 << 20));

    [Benchmark(OperationsPerInvoke = Frames, Description = "validate payload alone")]
    public bool ValidateOnly()
    {
        bool valid = true;
        for (int i = 0; i < Frames; i++)
        {
            var validator = new Utf8Validator();
            valid &= validator.Append(_payload) && validator.IsComplete;
        }
        return valid;
    }

    private int Decode(MessageValidator? validator) =>
        ProtocolBenchmarks.DecodeAll(new FrameDecoder(new FrameDecoderOptions(65535, ForceMasking: true), validator), _stream);
}
