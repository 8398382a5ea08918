using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>
/// Which host directory a virtiofs VM can share as its store without letting the guest write to the host's
/// <c>/nix/store</c>. libvirt 9 refuses <c>&lt;readonly/&gt;</c> on virtiofs and Debian's virtiofsd has no read-only
/// mode, so the directory itself must be read-only where virtiofsd runs, in libvirtd's mount namespace:
/// <list type="bullet">
/// <item><c>/nix/store</c> itself, where the host mounts it read-only (NixOS: <c>boot.readOnlyNixStore</c>, the default);</item>
/// <item>else the read-only view at <see cref="DefaultPath"/>: a read-only bind mount of the store, made before
/// libvirtd starts (<c>scripts/setup-host</c> does that).</item>
/// </list>
/// </summary>
internal static class StoreView
{
    /// <summary>Where the host set-up puts the read-only bind mount of the store: under <c>/run</c>, because it is
    /// runtime state that must be made again at every boot, before libvirtd starts.</summary>
    public const string DefaultPath = "/run/miniguest/store";

    /// <summary>
    /// The directory a virtiofs VM may share as its store, given the mounts of libvirtd's namespace
    /// (<see cref="MountTable.OfLibvirtd"/>), or why there is none. Use the answer's
    /// <see cref="VirtiofsStoreSource.Translate"/> for the VM's <c>boot</c> share as well.
    /// </summary>
    public static VirtiofsStoreSource ForVirtiofs(MountTable mounts, string viewPath = DefaultPath)
    {
        ArgumentNullException.ThrowIfNull(mounts);
        if (mounts.Containing(NixStore.DefaultDirectory) is { IsReadOnly: true })
        {
            return new VirtiofsStoreSource(NixStore.DefaultDirectory, StoreProtection.ReadOnlyHostStore, null);
        }
        var problem = ViewProblem(mounts, viewPath);
        if (problem is null)
        {
            return new VirtiofsStoreSource(viewPath, StoreProtection.ReadOnlyStoreView, null);
        }
        return new VirtiofsStoreSource(null, StoreProtection.None,
            $"virtiofs would share a writable store: {NixStore.DefaultDirectory} is writable in the mount namespace of {mounts.Owner}, " +
            $"and {problem}. A guest could change the host's store. " + HowToFix(viewPath));
    }

    /// <summary>What the admin can do about a host without a read-only store for virtiofs.</summary>
    public static string HowToFix(string viewPath = DefaultPath) =>
        "Fix the host: on NixOS keep boot.readOnlyNixStore = true (the default); elsewhere run scripts/setup-host " +
        $"as root, or make the view before libvirtd starts: mkdir -p {viewPath} && mount --bind {NixStore.DefaultDirectory} {viewPath} " +
        $"&& mount -o remount,bind,ro {viewPath} (a libvirtd already running must then be restarted). " +
        "Or share the store over 9p, which QEMU exports read-only.";

    /// <summary>
    /// What guards a directory that a virtiofs VM shares, in the mounts of libvirtd's namespace: the read-only host
    /// store, a read-only mount of it (or of anything else), or nothing. <paramref name="directory"/> must be
    /// absolute and free of symbolic links (virtiofsd follows them: see <see cref="StoreGuard"/>).
    /// </summary>
    public static StoreProtection Classify(MountTable mounts, string directory)
    {
        ArgumentNullException.ThrowIfNull(mounts);
        if (mounts.Containing(directory) is not { IsReadOnly: true })
        {
            return StoreProtection.None;
        }
        return IsInside(directory, NixStore.DefaultDirectory) ? StoreProtection.ReadOnlyHostStore : StoreProtection.ReadOnlyStoreView;
    }

    /// <summary>Why <paramref name="viewPath"/> is not a read-only view of the store in <paramref name="mounts"/>,
    /// or <see langword="null"/> when it is one.</summary>
    public static string? ViewProblem(MountTable mounts, string viewPath = DefaultPath)
    {
        ArgumentNullException.ThrowIfNull(mounts);
        if (mounts.At(viewPath) is not { } view)
        {
            return $"{viewPath} is not a mount point there (a mount made after libvirtd started in a mount namespace " +
                "of its own never reaches it)";
        }
        if (mounts.Locate(viewPath) != mounts.Locate(NixStore.DefaultDirectory))
        {
            return $"{viewPath} is a mount of {view.Source} {view.Root}, not of {NixStore.DefaultDirectory}";
        }
        return view.IsReadOnly ? null : $"{viewPath} is a bind mount of {NixStore.DefaultDirectory} but read-write there";
    }

    internal static bool IsInside(string path, string directory) =>
        path == directory || path.StartsWith(directory.TrimEnd('/') + "/", StringComparison.Ordinal);
}

/// <summary>The answer of <see cref="StoreView.ForVirtiofs"/>: the directory to share as the store, and what guards
/// it; or, when no directory is safe, why, with how to fix the host.</summary>
/// <param name="Directory">The directory to share as <c>nix-store</c>, or <see langword="null"/> when none is read-only.</param>
/// <param name="Protection">What guards it; <see cref="StoreProtection.None"/> when there is none.</param>
/// <param name="Problem">Why there is none, and how to fix the host; <see langword="null"/> when there is one.</param>
internal sealed record VirtiofsStoreSource(string? Directory, StoreProtection Protection, string? Problem)
{
    /// <summary>Whether a read-only directory was found.</summary>
    public bool IsAvailable => Directory is not null;

    /// <summary>The directory to share.</summary>
    /// <exception cref="UnprotectedStoreException">There is none: the message says why, and how to fix the host.</exception>
    public string RequireDirectory() => Directory ?? throw new UnprotectedStoreException(Problem!);

    /// <summary>
    /// The path under which virtiofs must share <paramref name="hostPath"/>, a directory that may lie in the store
    /// through symbolic links (<c>/etc/miniguests/NAME/boot</c>): virtiofsd follows them, so the guest's <c>boot</c>
    /// share would otherwise be a writable directory of the store. With the read-only host store, the path itself
    /// (it stays valid across upgrades); with the view, the same directory under the view, which names one
    /// generation of the guest: define the domain again after each upgrade, before it starts.
    /// </summary>
    /// <exception cref="UnprotectedStoreException">There is no read-only directory.</exception>
    /// <exception cref="IOException"><paramref name="hostPath"/> does not exist.</exception>
    public string Translate(string hostPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(hostPath);
        var directory = RequireDirectory();
        if (Protection != StoreProtection.ReadOnlyStoreView)
        {
            return hostPath;
        }
        var real = RealPath.Require(hostPath);
        return StoreView.IsInside(real, NixStore.DefaultDirectory)
            ? directory.TrimEnd('/') + real[NixStore.DefaultDirectory.Length..]
            : real;
    }
}
