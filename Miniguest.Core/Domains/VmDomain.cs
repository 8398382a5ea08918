namespace Miniguest.Core;

/// <summary>A VM that boots a guest's kernel and initrd directly and mounts the host's store and the
/// guest's <c>boot</c> directory as shares tagged <c>nix-store</c> and <c>boot</c>.</summary>
internal sealed record VmDomain
{
    /// <summary>The domain's name.</summary>
    public required string Name { get; init; }

    /// <summary>The domain's UUID; <see langword="null"/> lets libvirt choose one.</summary>
    public Guid? Uuid { get; init; }

    /// <summary>The kernel image, normally <c>/etc/miniguests/NAME/kernel</c>.</summary>
    public required string Kernel { get; init; }

    /// <summary>The initrd, normally <c>/etc/miniguests/NAME/initrd</c>.</summary>
    public required string Initrd { get; init; }

    /// <summary>The kernel command line (see <see cref="KernelCommandLine"/>).</summary>
    public required string CommandLine { get; init; }

    /// <summary>The host directory shared as <c>boot</c>, normally <c>/etc/miniguests/NAME/boot</c>.</summary>
    public required string BootSource { get; init; }

    /// <summary>The host directory holding the Nix store the guest was built from, shared as <c>nix-store</c>.</summary>
    public required string StoreSource { get; init; }

    /// <summary>How the shares reach the guest.</summary>
    public StoreShareType StoreShare { get; init; } = StoreShareType.NineP;

    /// <summary>Whether 9p shares are read-only (<c>&lt;readonly/&gt;</c>: QEMU refuses the guest's writes). Written so
    /// unless set otherwise; read back as the domain has it, so that a domain edited since shows. (Meaningless for
    /// virtiofs, which libvirt cannot make read-only.)</summary>
    public bool ReadOnly9pShares { get; init; } = true;

    /// <summary>The <c>virtiofsd</c> to run for virtiofs shares; <see langword="null"/> lets libvirt find one.</summary>
    public string? VirtiofsdPath { get; init; }

    /// <summary>Memory in MiB.</summary>
    public int MemoryMiB { get; init; } = 512;

    /// <summary>Virtual CPUs.</summary>
    public int VCpus { get; init; } = 1;

    /// <summary>Whether the VM has a virtio balloon with free page reporting (<c>&lt;memballoon model='virtio'
    /// freePageReporting='on'/&gt;</c>, libvirt 6.9 and QEMU 5.1 on): the guest's kernel reports the pages it frees and QEMU
    /// discards them, so that the host gets that memory back. Otherwise the VM has no balloon (<c>model='none'</c>).</summary>
    public bool FreePageReporting { get; init; }

    /// <summary>Hardware or software virtualisation.</summary>
    public VirtType VirtType { get; init; } = VirtType.Kvm;

    /// <summary>The CPU architecture.</summary>
    public string Arch { get; init; } = "x86_64";

    /// <summary>The QEMU machine type.</summary>
    public string Machine { get; init; } = "pc";

    /// <summary>Whether the VM has the virtio-serial port of Miniguest's agent (<see cref="GuestChannel"/>).</summary>
    public bool AgentChannel { get; init; }

    /// <summary>A file that receives everything the guest writes to its serial console, or <see langword="null"/>.</summary>
    public string? ConsoleLog { get; init; }

    /// <summary>Further host directories the guest mounts by their tags, over 9p or virtiofs as the store; writable 9p
    /// ones in QEMU's <c>mapped</c> mode, so the guest's owners and modes (setuid bits too) stay in extended attributes and
    /// never become the host's.</summary>
    public ValueList<SharedDirectory> Shares { get; init; } = [];

    /// <summary>The guest's volumes, virtio disks in the order of their names (<see cref="GuestVolume"/>).</summary>
    public ValueList<VolumeDisk> Volumes { get; init; } = [];

    /// <summary>The guest's network interfaces, virtio NICs, in order.</summary>
    public ValueList<GuestInterface> Interfaces { get; init; } = [];

    /// <summary>Files QEMU hands the guest as fw_cfg entries (<c>&lt;sysinfo type='fwcfg'&gt;</c>), each read by QEMU when
    /// the VM starts: the guest's systemd credentials, named <c>opt/io.systemd.credentials/ID</c>.</summary>
    public ValueList<FirmwareFile> FirmwareFiles { get; init; } = [];

    /// <summary>Miniguest's record of the guest, or <see langword="null"/> for an unmarked domain.</summary>
    public GuestMetadata? Metadata { get; init; }
}

/// <summary>A host file QEMU hands a VM as the fw_cfg entry <paramref name="Name"/>.</summary>
/// <param name="Name">The entry's name, <c>opt/…</c>.</param>
/// <param name="File">The host file it holds.</param>
internal sealed record FirmwareFile(string Name, string File);

/// <summary>A host file QEMU gives a VM as a virtio disk: one of its volumes.</summary>
/// <param name="File">The image.</param>
/// <param name="Serial">The disk's serial, the volume's name: <c>/dev/disk/by-id/virtio-SERIAL</c> in the guest.</param>
/// <param name="Format">The format QEMU reads it in: Miniguest's are always <see cref="RawFormat"/>, never probed.</param>
internal sealed record VolumeDisk(string File, string Serial, string Format = VolumeDisk.RawFormat)
{
    /// <summary>The raw format: the image's bytes are the disk's, with no header a guest could write to name another file.</summary>
    public const string RawFormat = "raw";
}
