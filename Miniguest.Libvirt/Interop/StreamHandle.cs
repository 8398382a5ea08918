using System.Runtime.InteropServices;

namespace Miniguest.Libvirt;

/// <summary>An owned <c>virStreamPtr</c>, released with <c>virStreamFree</c>.</summary>
internal sealed class StreamHandle : SafeHandle
{
    public StreamHandle() : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle() => Interop.virStreamFree(handle) == 0;
}
