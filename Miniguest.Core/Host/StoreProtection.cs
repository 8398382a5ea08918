using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>
/// What keeps a guest, running as root, from writing to the host's <c>/nix/store</c>. A read-only mount option
/// inside the guest is not on this list: guest root can remount. Each member is enforced by the host.
/// </summary>
public enum StoreProtection
{
    /// <summary>Nothing: the guest can write to the host's store (a virtiofs share of a writable directory, or a
    /// container whose root is host root with every capability it needs to remount its binds).</summary>
    None,

    /// <summary>A VM whose shares are virtio-9p exports that QEMU itself makes read-only (libvirt's <c>&lt;readonly/&gt;</c>).</summary>
    ReadOnly9pShare,

    /// <summary>A virtiofs VM sharing a read-only bind mount of the store (<see cref="StoreView.DefaultPath"/>),
    /// read-only in the mount namespace virtiofsd runs in.</summary>
    ReadOnlyStoreView,

    /// <summary>A virtiofs VM sharing <c>/nix/store</c> itself, which the host mounts read-only (NixOS's
    /// <c>boot.readOnlyNixStore</c>).</summary>
    ReadOnlyHostStore,

    /// <summary>A container in a user namespace (<c>&lt;idmap&gt;</c>) whose ids map onto unprivileged host ids:
    /// its root owns nothing in the host's store, so even a bind it remounts read-write refuses its writes.</summary>
    UserNamespace,

    /// <summary>A container whose root is host root but lacks CAP_SYS_ADMIN (it cannot remount its read-only binds)
    /// and CAP_DAC_READ_SEARCH (it cannot open the store's files by handle through a writable mount of the same
    /// file system). Weaker than <see cref="UserNamespace"/>: container root is still host root.</summary>
    DroppedCapabilities,
}

/// <summary>Words for <see cref="StoreProtection"/>, for people.</summary>
public static class StoreProtectionText
{
    /// <summary>One sentence that says what guards the store.</summary>
    public static string Describe(this StoreProtection protection) => protection switch
    {
        StoreProtection.None => "nothing: the guest can write to the host's store",
        StoreProtection.ReadOnly9pShare => "the store is shared read-only over 9p: QEMU refuses the guest's writes",
        StoreProtection.ReadOnlyStoreView => "the store is shared over virtiofs from a read-only bind mount of it",
        StoreProtection.ReadOnlyHostStore => "the store is shared over virtiofs, and the host itself mounts it read-only",
        StoreProtection.UserNamespace => "the container runs in a user namespace: its root owns nothing on the host",
        StoreProtection.DroppedCapabilities => "the container's root lacks CAP_SYS_ADMIN and CAP_DAC_READ_SEARCH, so it cannot remount its read-only binds",
        _ => throw new ArgumentOutOfRangeException(nameof(protection), protection, null),
    };
}
