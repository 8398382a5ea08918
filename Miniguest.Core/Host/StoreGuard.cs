using System.Globalization;
using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>
/// Which protection keeps a guest from writing to the host's <c>/nix/store</c> (<see cref="StoreProtection"/>), a
/// check that refuses an unprotected guest, and the protection a container gets on this host.
/// </summary>
/// <remarks>
/// A VM over 9p is always protected: QEMU exports its shares read-only. A VM over virtiofs is protected when every
/// directory it shares is read-only in libvirtd's mount namespace (see <see cref="StoreView"/>). A container is
/// protected by a user namespace that maps its root onto an unprivileged host id, or else by losing the
/// capabilities it would need to get past its read-only binds (<see cref="ContainerCapabilities.StoreWriters"/>).
/// </remarks>
internal static class StoreGuard
{
    /// <summary>The lowest host id a container's user namespace may map onto and still count as protection: ids
    /// below it are root, system users and groups (Nix's <c>nixbld</c> among them) and people, any of whom may own
    /// files of the store or be allowed to write to it.</summary>
    public const uint LowestUnprivilegedId = 65536;

    /// <summary>What guards the store from <paramref name="vm"/>, given the mounts of libvirtd's namespace
    /// (<see cref="MountTable.OfLibvirtd"/>). Symbolic links in its share sources are followed on this host, as
    /// virtiofsd follows them.</summary>
    public static StoreProtection Of(VmDomain vm, MountTable mounts) => Assess(vm, mounts).Protection;

    /// <summary>What guards the store from <paramref name="container"/>.</summary>
    public static StoreProtection Of(ContainerDomain container) => Assess(container).Protection;

    /// <summary>
    /// What guards the store from <paramref name="vm"/>; if nothing does, refuses, unless the guest's metadata records
    /// the opt-out (<see cref="GuestMetadata.AllowWritableStore"/>), and then returns <see cref="StoreProtection.None"/>.
    /// Call it before defining or starting a VM.
    /// </summary>
    /// <exception cref="UnprotectedStoreException">The guest could write to the store: the message says why and how to fix it.</exception>
    public static StoreProtection EnsureProtected(VmDomain vm, MountTable mounts)
    {
        ArgumentNullException.ThrowIfNull(vm);
        return Enforce(Assess(vm, mounts), vm.Metadata);
    }

    /// <summary>
    /// What guards the store from <paramref name="container"/>; if nothing does, refuses, unless its metadata records
    /// the opt-out (<see cref="GuestMetadata.AllowWritableStore"/>). Call it before defining or starting a container.
    /// </summary>
    /// <exception cref="UnprotectedStoreException">The guest could write to the store: the message says why and how to fix it.</exception>
    public static StoreProtection EnsureProtected(ContainerDomain container)
    {
        ArgumentNullException.ThrowIfNull(container);
        return Enforce(Assess(container), container.Metadata);
    }

    /// <summary>
    /// <paramref name="container"/> with the best protection this host offers: the user namespace
    /// <paramref name="ids"/> where the kernel offers user namespaces (<see cref="UserNamespacesAvailable"/>), else
    /// without <see cref="ContainerCapabilities.StoreWriters"/>. A user namespace needs the container's root directory
    /// prepared for it: Miniguest.Core's <c>ContainerRoot.Prepare</c>.
    /// </summary>
    public static ContainerDomain Protect(ContainerDomain container, UserNamespaceMapping ids) =>
        Protect(container, ids, UserNamespacesAvailable());

    /// <summary>As <see cref="Protect(ContainerDomain, UserNamespaceMapping)"/>, with the host's answer given
    /// (<paramref name="ids"/> may then be <see langword="null"/> where it offers none).</summary>
    public static ContainerDomain Protect(ContainerDomain container, UserNamespaceMapping? ids, bool userNamespaces)
    {
        ArgumentNullException.ThrowIfNull(container);
        return userNamespaces
            ? container with { UserNamespace = ids ?? throw new ArgumentNullException(nameof(ids)) }
            : container with { UserNamespace = null, DropCapabilities = container.DropCapabilities | ContainerCapabilities.StoreWriters };
    }

    /// <summary>Whether this kernel lets (root) make user namespaces: <c>/proc/sys/user/max_user_namespaces</c> is
    /// above 0. libvirt-LXC, which runs as root on this host, needs nothing more.</summary>
    public static bool UserNamespacesAvailable()
    {
        try
        {
            return File.Exists("/proc/self/ns/user")
                && long.Parse(File.ReadAllText("/proc/sys/user/max_user_namespaces").Trim(), CultureInfo.InvariantCulture) > 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            return false;
        }
    }

    private static StoreProtection Enforce((StoreProtection Protection, string? Problem) assessment, GuestMetadata? metadata)
    {
        if (assessment.Protection != StoreProtection.None || metadata?.AllowWritableStore == true)
        {
            return assessment.Protection;
        }
        throw new UnprotectedStoreException(assessment.Problem!);
    }

    private static (StoreProtection Protection, string? Problem) Assess(VmDomain vm, MountTable mounts)
    {
        ArgumentNullException.ThrowIfNull(vm);
        ArgumentNullException.ThrowIfNull(mounts);
        if (vm.StoreShare == StoreShareType.NineP)
        {
            return vm.ReadOnly9pShares
                ? (StoreProtection.ReadOnly9pShare, null)
                : (StoreProtection.None, $"VM '{vm.Name}' would let its guest write to the host's store over 9p: its shares are not " +
                    "read-only (<readonly/>), so QEMU would write to the store for it. Define the domain again.");
        }
        var store = Share(vm.StoreSource, mounts);
        var boot = Share(vm.BootSource, mounts);
        if (store.Protection == StoreProtection.None || boot.Protection == StoreProtection.None)
        {
            var writable = store.Protection == StoreProtection.None
                ? $"its store share {Describe(vm.StoreSource, store.Real)}"
                : $"its boot share {Describe(vm.BootSource, boot.Real)}";
            return (StoreProtection.None,
                $"VM '{vm.Name}' would let its guest write to the host's store over virtiofs: {writable} is writable in the mount " +
                $"namespace of {mounts.Owner}. Share the store from StoreView.ForVirtiofs, and the boot directory through its " +
                $"Translate. {StoreView.HowToFix()}");
        }
        return (store.Protection, null);
    }

    private static (StoreProtection Protection, string Real) Share(string source, MountTable mounts)
    {
        var real = Resolve(source);
        return (StoreView.Classify(mounts, real), real);
    }

    private static string Describe(string source, string real) => source == real ? source : $"{source} (that is, {real})";

    // virtiofsd opens the shared directory by its path, following symbolic links; one that does not exist (yet)
    // stays as it is.
    private static string Resolve(string path)
    {
        try
        {
            return RealPath.Require(path);
        }
        catch (IOException)
        {
            return path;
        }
    }

    private static (StoreProtection Protection, string? Problem) Assess(ContainerDomain container)
    {
        ArgumentNullException.ThrowIfNull(container);
        if (container.UserNamespace is { } ids)
        {
            if (ids.UidTarget >= LowestUnprivilegedId && ids.GidTarget >= LowestUnprivilegedId)
            {
                return (StoreProtection.UserNamespace, null);
            }
        }
        if (container.DropCapabilities.HasFlag(ContainerCapabilities.StoreWriters))
        {
            return (StoreProtection.DroppedCapabilities, null);
        }
        var why = container.UserNamespace is { } low
            ? $"its user namespace maps container root onto host uid {low.UidTarget} and gid {low.GidTarget}, below " +
              $"{LowestUnprivilegedId}, where the owners of the store's files (root, the nixbld group) live"
            : "container root is host root";
        var missing = container.DropCapabilities.HasFlag(ContainerCapabilities.SysAdmin)
            ? "CAP_DAC_READ_SEARCH (to open the store's files by handle through its writable root)"
            : "CAP_SYS_ADMIN (to remount its read-only binds read-write)";
        return (StoreProtection.None,
            $"container '{container.Name}' would let its guest write to the host's store: {why}, and it keeps {missing}. " +
            $"Give it a user namespace onto host ids from {LowestUnprivilegedId} up, or drop ContainerCapabilities.StoreWriters " +
            "(StoreGuard.Protect picks what the host offers).");
    }
}
