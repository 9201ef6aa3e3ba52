using System.Runtime.InteropServices;

namespace Cosocket.Protocol.Deflate;

/// <summary>
/// One zlib stream in native memory (zlib keeps a pointer back to it, so it must not move), ended and
/// freed when released: by <c>Dispose</c>, or by the finalizer of a context nobody released. The
/// budget it was counted against gets its place back either way.
/// </summary>
internal abstract unsafe class ZStreamHandle : SafeHandle
{
    private readonly CompressionContexts _contexts;

    protected ZStreamHandle(CompressionContexts contexts) : base(IntPtr.Zero, ownsHandle: true)
    {
        _contexts = contexts;
        SetHandle((IntPtr)NativeMemory.AllocZeroed((nuint)sizeof(ZLib.ZStream)));
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected ZLib.ZStream* Stream => (ZLib.ZStream*)handle;

    /// <summary>Whether zlib accepted the stream's parameters; a handle that is not is released at once.</summary>
    protected bool Initialized { get; set; }

    protected abstract void End();

    protected override bool ReleaseHandle()
    {
        if (Initialized)
            End();
        NativeMemory.Free((void*)handle);
        _contexts.OnReleased(this is Deflater);
        return true;
    }
}
