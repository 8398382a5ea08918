namespace Miniguest.Core;

/// <summary>
/// A guest as built by <c>system.build.miniguest</c>: a directory (a store path, or the guest's link under
/// <c>/etc/miniguests</c>) holding <c>boot/init</c>, <c>miniguest-config.json</c> and, for VMs,
/// <c>kernel</c>, <c>initrd</c> and <c>kernel-params</c>.
/// </summary>
public sealed record GuestSystem(string Directory, GuestConfig Config, string KernelParams)
{
    /// <summary>The kernel image.</summary>
    public string Kernel => Path.Combine(Directory, "kernel");

    /// <summary>The initrd.</summary>
    public string Initrd => Path.Combine(Directory, "initrd");

    /// <summary>The directory shared with the guest as <c>boot</c>.</summary>
    public string BootDirectory => Path.Combine(Directory, "boot");

    /// <summary>Reads the guest at <paramref name="directory"/>.</summary>
    /// <exception cref="GuestFileException">A file the guest needs is missing or corrupt.</exception>
    public static GuestSystem Load(string directory)
    {
        var config = GuestConfig.Load(Path.Combine(directory, GuestConfig.FileName));
        Require(Path.Combine(directory, "boot", "init"));
        var kernelParams = "";
        if (config.GuestType == GuestType.Qemu)
        {
            Require(Path.Combine(directory, "kernel"));
            Require(Path.Combine(directory, "initrd"));
            // Guests built by the original module have no kernel-params: they boot with the defaults.
            var paramsFile = Path.Combine(directory, "kernel-params");
            kernelParams = File.Exists(paramsFile) ? SmallFile.ReadText(paramsFile).Trim() : "";
        }
        return new GuestSystem(directory, config, kernelParams);
    }

    private static void Require(string path)
    {
        if (!File.Exists(path))
        {
            throw new GuestFileException(path, "missing from the guest's build output");
        }
    }
}
