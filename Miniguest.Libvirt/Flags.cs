namespace Miniguest.Libvirt;

/// <summary>Flags of <see cref="Connection.DefineDomain"/> (<c>virDomainDefineFlags</c>).</summary>
[Flags]
public enum DomainDefineFlags : uint
{
    /// <summary>No validation beyond parsing.</summary>
    None = 0,

    /// <summary>Validate the XML against libvirt's schema (<c>VIR_DOMAIN_DEFINE_VALIDATE</c>).</summary>
    Validate = 1 << 0,
}

/// <summary>Flags of <see cref="Domain.Start"/> (<c>virDomainCreateFlags</c>).</summary>
[Flags]
public enum DomainCreateFlags : uint
{
    /// <summary>Start running.</summary>
    None = 0,

    /// <summary>Start with the CPUs paused (<c>VIR_DOMAIN_START_PAUSED</c>).</summary>
    Paused = 1 << 0,

    /// <summary>Destroy the domain when the connection that started it closes (<c>VIR_DOMAIN_START_AUTODESTROY</c>).</summary>
    AutoDestroy = 1 << 1,
}

/// <summary>Flags of <see cref="Domain.Undefine"/> (<c>virDomainUndefineFlagsValues</c>).</summary>
[Flags]
public enum DomainUndefineFlags : uint
{
    /// <summary>Plain undefine.</summary>
    None = 0,

    /// <summary>Also remove a managed save image (<c>VIR_DOMAIN_UNDEFINE_MANAGED_SAVE</c>).</summary>
    ManagedSave = 1 << 0,

    /// <summary>Also remove snapshot metadata (<c>VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA</c>).</summary>
    SnapshotsMetadata = 1 << 1,

    /// <summary>Also remove NVRAM files (<c>VIR_DOMAIN_UNDEFINE_NVRAM</c>).</summary>
    Nvram = 1 << 2,

    /// <summary>Keep NVRAM files (<c>VIR_DOMAIN_UNDEFINE_KEEP_NVRAM</c>).</summary>
    KeepNvram = 1 << 3,

    /// <summary>Also remove checkpoint metadata (<c>VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA</c>).</summary>
    CheckpointsMetadata = 1 << 4,

    /// <summary>Also remove TPM state (<c>VIR_DOMAIN_UNDEFINE_TPM</c>).</summary>
    Tpm = 1 << 5,

    /// <summary>Keep TPM state (<c>VIR_DOMAIN_UNDEFINE_KEEP_TPM</c>).</summary>
    KeepTpm = 1 << 6,
}

/// <summary>Flags of <see cref="Domain.GetXml"/> (<c>virDomainXMLFlags</c>).</summary>
[Flags]
public enum DomainXmlFlags : uint
{
    /// <summary>The live description of a running domain, else the persistent one.</summary>
    None = 0,

    /// <summary>Include security-sensitive data (<c>VIR_DOMAIN_XML_SECURE</c>).</summary>
    Secure = 1 << 0,

    /// <summary>The persistent definition even while running (<c>VIR_DOMAIN_XML_INACTIVE</c>).</summary>
    Inactive = 1 << 1,

    /// <summary>Update guest CPU requirements from the host (<c>VIR_DOMAIN_XML_UPDATE_CPU</c>).</summary>
    UpdateCpu = 1 << 2,

    /// <summary>Suitable for migration (<c>VIR_DOMAIN_XML_MIGRATABLE</c>).</summary>
    Migratable = 1 << 3,
}

/// <summary>Filters of <see cref="Connection.ListAllDomains"/> (<c>virConnectListAllDomainsFlags</c>);
/// no flag in a group means no filter on it.</summary>
[Flags]
public enum ConnectListAllDomainsFlags : uint
{
    /// <summary>Every domain.</summary>
    None = 0,

    /// <summary>Running or paused domains.</summary>
    Active = 1 << 0,

    /// <summary>Shut-off domains.</summary>
    Inactive = 1 << 1,

    /// <summary>Domains with a persistent definition.</summary>
    Persistent = 1 << 2,

    /// <summary>Domains that exist only while running.</summary>
    Transient = 1 << 3,

    /// <summary>Running domains.</summary>
    Running = 1 << 4,

    /// <summary>Paused domains.</summary>
    Paused = 1 << 5,

    /// <summary>Shut-off domains.</summary>
    Shutoff = 1 << 6,

    /// <summary>Domains in any other state.</summary>
    Other = 1 << 7,

    /// <summary>Domains marked to start with the host.</summary>
    Autostart = 1 << 10,

    /// <summary>Domains not marked to start with the host.</summary>
    NoAutostart = 1 << 11,
}

/// <summary>Which definition a change or a read applies to (<c>virDomainModificationImpact</c>).</summary>
[Flags]
public enum DomainModificationImpact : uint
{
    /// <summary>The live state if the domain runs, else its persistent definition.</summary>
    Current = 0,

    /// <summary>The running domain.</summary>
    Live = 1 << 0,

    /// <summary>The persistent definition, used at the next start.</summary>
    Config = 1 << 1,
}

/// <summary>How <see cref="Domain.Shutdown"/> asks the guest to stop (<c>virDomainShutdownFlagValues</c>);
/// several flags let the hypervisor pick among them.</summary>
[Flags]
public enum DomainShutdownFlags : uint
{
    /// <summary>The hypervisor's choice (for LXC: initctl, then a signal if the container has no initctl).</summary>
    Default = 0,

    /// <summary>Press the VM's ACPI power button.</summary>
    AcpiPowerButton = 1 << 0,

    /// <summary>Ask the QEMU guest agent.</summary>
    GuestAgent = 1 << 1,

    /// <summary>Ask the container's init through <c>/dev/initctl</c> (systemd, sysvinit).</summary>
    Initctl = 1 << 2,

    /// <summary>Send the container's init SIGTERM.</summary>
    Signal = 1 << 3,

    /// <summary>Paravirtualised guest control.</summary>
    Paravirt = 1 << 4,
}

/// <summary>How a channel is opened (<c>virDomainChannelFlags</c>).</summary>
[Flags]
public enum DomainChannelFlags : uint
{
    /// <summary>Fail when another client holds the channel.</summary>
    None = 0,

    /// <summary>Take the channel over from another client that holds it (<c>VIR_DOMAIN_CHANNEL_FORCE</c>).</summary>
    Force = 1 << 0,
}

/// <summary>How a console is opened (<c>virDomainConsoleFlags</c>).</summary>
[Flags]
public enum DomainConsoleFlags : uint
{
    /// <summary>Fail when another client holds the console.</summary>
    None = 0,

    /// <summary>Take the console over from another client that holds it (<c>VIR_DOMAIN_CONSOLE_FORCE</c>).</summary>
    Force = 1 << 0,

    /// <summary>Open it only where the driver can tell that the console is in use safely (<c>VIR_DOMAIN_CONSOLE_SAFE</c>).</summary>
    Safe = 1 << 1,
}

/// <summary>The groups of statistics <see cref="Connection.GetAllDomainStats"/> returns (<c>virDomainStatsTypes</c>).
/// A driver leaves out the groups it does not know, unless asked to fail
/// (<see cref="ConnectGetAllDomainStatsFlags.EnforceStats"/>).</summary>
[Flags]
public enum DomainStatsTypes : uint
{
    /// <summary>Every group the driver supports (libvirt's 0).</summary>
    Supported = 0,

    /// <summary>The domain's state and its reason: <c>state.*</c> (<c>VIR_DOMAIN_STATS_STATE</c>).</summary>
    State = 1 << 0,

    /// <summary>CPU time used: <c>cpu.*</c> (<c>VIR_DOMAIN_STATS_CPU_TOTAL</c>).</summary>
    CpuTotal = 1 << 1,

    /// <summary>Memory balloon: <c>balloon.*</c> (<c>VIR_DOMAIN_STATS_BALLOON</c>).</summary>
    Balloon = 1 << 2,

    /// <summary>Virtual CPUs: <c>vcpu.*</c> (<c>VIR_DOMAIN_STATS_VCPU</c>).</summary>
    Vcpu = 1 << 3,

    /// <summary>Network interfaces: <c>net.*</c> (<c>VIR_DOMAIN_STATS_INTERFACE</c>).</summary>
    Interface = 1 << 4,

    /// <summary>Block devices: <c>block.*</c> (<c>VIR_DOMAIN_STATS_BLOCK</c>).</summary>
    Block = 1 << 5,

    /// <summary>Perf events: <c>perf.*</c> (<c>VIR_DOMAIN_STATS_PERF</c>).</summary>
    Perf = 1 << 6,

    /// <summary>I/O threads: <c>iothread.*</c> (<c>VIR_DOMAIN_STATS_IOTHREAD</c>).</summary>
    IoThread = 1 << 7,

    /// <summary>Memory bandwidth: <c>memory.*</c> (<c>VIR_DOMAIN_STATS_MEMORY</c>).</summary>
    Memory = 1 << 8,

    /// <summary>Memory dirty rate: <c>dirtyrate.*</c> (<c>VIR_DOMAIN_STATS_DIRTYRATE</c>).</summary>
    DirtyRate = 1 << 9,

    /// <summary>The hypervisor's own statistics of the VM: <c>vm.*</c> (<c>VIR_DOMAIN_STATS_VM</c>).</summary>
    Vm = 1 << 10,
}

/// <summary>Which domains <see cref="Connection.GetAllDomainStats"/> reports on, and how
/// (<c>virConnectGetAllDomainStatsFlags</c>); no flag in a group means no filter on it.</summary>
[Flags]
public enum ConnectGetAllDomainStatsFlags : uint
{
    /// <summary>Every domain.</summary>
    None = 0,

    /// <summary>Running or paused domains (<c>VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE</c>).</summary>
    Active = 1 << 0,

    /// <summary>Shut-off domains (<c>VIR_CONNECT_GET_ALL_DOMAINS_STATS_INACTIVE</c>).</summary>
    Inactive = 1 << 1,

    /// <summary>Domains with a persistent definition (<c>VIR_CONNECT_GET_ALL_DOMAINS_STATS_PERSISTENT</c>).</summary>
    Persistent = 1 << 2,

    /// <summary>Domains that exist only while running (<c>VIR_CONNECT_GET_ALL_DOMAINS_STATS_TRANSIENT</c>).</summary>
    Transient = 1 << 3,

    /// <summary>Running domains (<c>VIR_CONNECT_GET_ALL_DOMAINS_STATS_RUNNING</c>).</summary>
    Running = 1 << 4,

    /// <summary>Paused domains (<c>VIR_CONNECT_GET_ALL_DOMAINS_STATS_PAUSED</c>).</summary>
    Paused = 1 << 5,

    /// <summary>Shut-off domains (<c>VIR_CONNECT_GET_ALL_DOMAINS_STATS_SHUTOFF</c>).</summary>
    Shutoff = 1 << 6,

    /// <summary>Domains in any other state (<c>VIR_CONNECT_GET_ALL_DOMAINS_STATS_OTHER</c>).</summary>
    Other = 1 << 7,

    /// <summary>Only what can be read at once, without waiting on a busy domain
    /// (<c>VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT</c>).</summary>
    NoWait = 1 << 29,

    /// <summary>Block statistics include each disk's backing chain (<c>VIR_CONNECT_GET_ALL_DOMAINS_STATS_BACKING</c>).</summary>
    Backing = 1 << 30,

    /// <summary>Fail, rather than leave them out, when a group asked for is not supported by the driver
    /// (<c>VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS</c>).</summary>
    EnforceStats = 1u << 31,
}
