using System.Runtime.InteropServices;

namespace Miniguest.Libvirt;

/// <summary>An owned <c>virConnectPtr</c>; releasing it drops one reference with <c>virConnectClose</c>.</summary>
internal sealed class ConnectionHandle : SafeHandle
{
    public ConnectionHandle() : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle() => Interop.virConnectClose(handle) >= 0;
}
