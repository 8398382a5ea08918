namespace Miniguest.Core;

/// <summary>
/// A guest as built by <c>system.build.miniguest</c>: a directory (a store path, or the guest's link under
/// <c>/etc/miniguests</c>) holding <c>boot/init</c>, <c>miniguest-config.json</c> and, for VMs,
/// <c>kernel</c>, <c>initrd</c> and <c>kernel-params</c>. Every file is used where it really is, and only if that is
/// in the Nix store (<see cref="NixStore"/>): the paths here are resolved.
/// </summary>
/// <param name="Directory">The directory the guest was read from.</param>
/// <param name="Config">Its <c>miniguest-config.json</c>.</param>
/// <param name="KernelParams">Its kernel parameters (empty for a container, or a guest of the original module).</param>
/// <param name="Kernel">The kernel image in the store (a VM's; <see langword="null"/> for a container).</param>
/// <param name="Initrd">The initrd in the store (a VM's; <see langword="null"/> for a container).</param>
/// <param name="BootDirectory">The directory in the store shared with the guest as <c>boot</c>.</param>
public sealed record GuestSystem(string Directory, GuestConfig Config, string KernelParams, string? Kernel, string? Initrd,
    string BootDirectory)
{
    /// <summary>Reads the guest at <paramref name="directory"/>, whose files must all lead into
    /// <paramref name="store"/>.</summary>
    /// <exception cref="GuestFileException">A file the guest needs is missing, corrupt, or leads out of the store.</exception>
    public static GuestSystem Load(string directory, string store = NixStore.DefaultDirectory)
    {
        var config = GuestConfig.Load(Require(directory, GuestConfig.FileName, store));
        var boot = Require(directory, "boot", store);
        if (!System.IO.Directory.Exists(boot))
        {
            throw new GuestFileException(Path.Combine(directory, "boot"), "not a directory");
        }
        Require(directory, "boot/init", store);
        if (config.GuestType != GuestType.Qemu)
        {
            return new GuestSystem(directory, config, "", null, null, boot);
        }
        // Guests built by the original module have no kernel-params: they boot with the defaults.
        var kernelParams = NixStore.TryResolve(Path.Combine(directory, "kernel-params"), store) is { } paramsFile
            ? SmallFile.ReadText(paramsFile).Trim()
            : "";
        return new GuestSystem(directory, config, kernelParams, Require(directory, "kernel", store), Require(directory, "initrd", store), boot);
    }

    private static string Require(string directory, string file, string store) =>
        NixStore.TryResolve(Path.Combine(directory, file), store)
            ?? throw new GuestFileException(Path.Combine(directory, file), "missing from the guest's build output");
}
