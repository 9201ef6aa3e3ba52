using System.Reflection;
using System.Runtime.InteropServices;

namespace Cosocket.Protocol.Deflate;

/// <summary>
/// The runtime's own zlib, through the entry points its <c>System.IO.Compression.Native</c> library
/// exports (the ones <c>DeflateStream</c> and <c>ClientWebSocket</c>'s permessage-deflate use). The
/// public <c>DeflateStream</c> always uses a 15-bit window and cannot be reset or flushed per message
/// as RFC 7692 needs; these entry points take the window bits. They have kept their names and the
/// stream's layout since .NET Core 3.0; <see cref="IsAvailable"/> says whether this runtime has them,
/// and without them no connection negotiates compression.
/// </summary>
internal static unsafe partial class ZLib
{
    private const string Library = "System.IO.Compression.Native";

    /// <summary>The runtime's <c>PAL_ZStream</c>: zlib's <c>z_stream</c> without the fields the shim keeps to itself.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct ZStream
    {
        public byte* NextIn;
        public byte* NextOut;
        public sbyte* Message;
        public void* State;
        public uint AvailIn;
        public uint AvailOut;
    }

    public const int Ok = 0;
    public const int StreamEnd = 1;
    public const int BufError = -5;

    public const int SyncFlush = 2;

    /// <summary>Like a sync flush, and the next data is compressed as if nothing came before it
    /// (RFC 7692 §7.1.1: what no context takeover needs, without resetting the stream).</summary>
    public const int FullFlush = 3;

    private const int Deflated = 8;
    private const int DefaultStrategy = 0;

    static ZLib() => NativeLibrary.SetDllImportResolver(typeof(ZLib).Assembly, Resolve);

    /// <summary>The library lies beside the runtime's own assemblies; an app that is not laid out
    /// that way (single-file, self-contained) finds it by the usual probing.</summary>
    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? paths)
    {
        if (name != Library)
            return IntPtr.Zero;
        string directory = RuntimeEnvironment.GetRuntimeDirectory();
        foreach (string file in new[] { "lib" + Library + ".so", "lib" + Library + ".dylib", Library + ".dll" })
        {
            if (NativeLibrary.TryLoad(Path.Combine(directory, file), out IntPtr handle))
                return handle;
        }
        return IntPtr.Zero;
    }

    private static readonly Lazy<bool> s_available = new(Probe);

    /// <summary>True when the runtime's zlib could be loaded and used.</summary>
    public static bool IsAvailable => s_available.Value;

    private static bool Probe()
    {
        try
        {
            var stream = (ZStream*)NativeMemory.AllocZeroed((nuint)sizeof(ZStream));
            try
            {
                if (InflateInit2(stream, -15) != Ok)
                    return false;
                InflateEnd(stream);
                return true;
            }
            finally
            {
                NativeMemory.Free(stream);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return false;
        }
    }

    /// <summary>A raw deflate stream (negative window bits: no zlib header, RFC 7692 §7.2.1).</summary>
    public static int DeflateInit(ZStream* stream, int level, int windowBits, int memLevel) =>
        DeflateInit2(stream, level, Deflated, -windowBits, memLevel, DefaultStrategy);

    [LibraryImport(Library, EntryPoint = "CompressionNative_DeflateInit2_")]
    private static partial int DeflateInit2(ZStream* stream, int level, int method, int windowBits, int memLevel, int strategy);

    [LibraryImport(Library, EntryPoint = "CompressionNative_Deflate")]
    public static partial int Deflate(ZStream* stream, int flush);

    [LibraryImport(Library, EntryPoint = "CompressionNative_DeflateEnd")]
    public static partial int DeflateEnd(ZStream* stream);

    [LibraryImport(Library, EntryPoint = "CompressionNative_InflateInit2_")]
    public static partial int InflateInit2(ZStream* stream, int windowBits);

    [LibraryImport(Library, EntryPoint = "CompressionNative_Inflate")]
    public static partial int Inflate(ZStream* stream, int flush);

    [LibraryImport(Library, EntryPoint = "CompressionNative_InflateReset2_")]
    public static partial int InflateReset2(ZStream* stream, int windowBits);

    [LibraryImport(Library, EntryPoint = "CompressionNative_InflateEnd")]
    public static partial int InflateEnd(ZStream* stream);
}
