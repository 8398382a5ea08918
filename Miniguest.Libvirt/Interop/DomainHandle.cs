using System.Runtime.InteropServices;

namespace Miniguest.Libvirt;

/// <summary>An owned <c>virDomainPtr</c>, released with <c>virDomainFree</c>. It holds a reference on its
/// connection, so it stays usable after the <see cref="Connection"/> that made it is disposed.</summary>
internal sealed class DomainHandle : SafeHandle
{
    public DomainHandle() : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    internal DomainHandle(IntPtr owned) : this() => SetHandle(owned);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle() => Interop.virDomainFree(handle) == 0;
}
