namespace Miniguest.Core;

/// <summary>
/// A guest as built by <c>system.build.miniguest</c>: a directory (a store path, or the guest's link under
/// <c>/etc/miniguests</c>) holding <c>boot/init</c>, <c>miniguest-config.json</c> and, for VMs,
/// <c>kernel</c>, <c>initrd</c> and <c>kernel-params</c>. Every file is used where it really is, and only if that is
/// in the Nix store (<see cref="NixStore"/>): the paths here are resolved.
/// </summary>
/// <param name="Directory">The directory the guest was read from.</param>
/// <param name="Config">Its <c>miniguest-config.json</c>.</param>
/// <param name="KernelParams">Its kernel parameters; <see langword="null"/> for a container, and for a VM built by the original module,
/// which has no <c>kernel-params</c>.</param>
/// <param name="Kernel">The kernel image in the store (a VM's; <see langword="null"/> for a container).</param>
/// <param name="Initrd">The initrd in the store (a VM's; <see langword="null"/> for a container).</param>
/// <param name="BootDirectory">The directory in the store shared with the guest as <c>boot</c>.</param>
internal sealed record GuestSystem(string Directory, GuestConfig Config, string? KernelParams, string? Kernel, string? Initrd,
    string BootDirectory)
{
    /// <summary>The files of a guest's build output that Miniguest reads, by their names in it.</summary>
    internal static readonly string[] Files = [GuestConfig.FileName, "boot", "boot/init", "kernel", "initrd", "kernel-params"];

    /// <summary>Reads the guest at <paramref name="directory"/>, whose files must all lead into
    /// <paramref name="store"/>.</summary>
    /// <exception cref="GuestFileException">A file the guest needs is missing, corrupt, or leads out of the store.</exception>
    public static GuestSystem Load(string directory, string store = NixStore.DefaultDirectory) =>
        Read(directory, file => NixStore.TryResolve(Path.Combine(directory, file), store) is { } real
            ? new ResolvedFile(real, System.IO.Directory.Exists(real))
            : null, File.ReadAllBytes);

    /// <summary>Where a file of the build output really is, inside the store, and whether it is a directory.</summary>
    internal sealed record ResolvedFile(string RealPath, bool IsDirectory);

    /// <summary>Reads a guest whose <see cref="Files"/> were resolved (inside the store, or <see langword="null"/> where
    /// missing) by <paramref name="resolve"/>, and whose small files <paramref name="read"/> reads by their real paths: on
    /// this host or another.</summary>
    internal static GuestSystem Read(string directory, Func<string, ResolvedFile?> resolve, Func<string, byte[]> read)
    {
        string Require(string file) =>
            resolve(file)?.RealPath ?? throw new GuestFileException(Path.Combine(directory, file), "missing from the guest's build output");
        var configFile = Require(GuestConfig.FileName);
        var config = GuestConfig.Parse(ReadFile(configFile, read), configFile);
        var boot = Require("boot");
        if (resolve("boot") is not { IsDirectory: true })
        {
            throw new GuestFileException(Path.Combine(directory, "boot"), "not a directory");
        }
        Require("boot/init");
        if (config.GuestType != GuestType.Qemu)
        {
            return new GuestSystem(directory, config, null, null, null, boot);
        }
        // Guests built by the original module have no kernel-params: they boot with the defaults.
        var kernelParams = resolve("kernel-params") is { } paramsFile
            ? System.Text.Encoding.UTF8.GetString(ReadFile(paramsFile.RealPath, read)).Trim()
            : null;
        return new GuestSystem(directory, config, kernelParams, Require("kernel"), Require("initrd"), boot);
    }

    private static byte[] ReadFile(string path, Func<string, byte[]> read)
    {
        try
        {
            return read(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GuestFileException(path, e.Message, e);
        }
    }
}
