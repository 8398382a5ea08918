// The values of virterror.h; libvirt only ever appends to these enumerations.
namespace Miniguest.Libvirt;

/// <summary>What went wrong: libvirt's <c>virErrorNumber</c>.</summary>
public enum ErrorCode
{
    /// <summary><c>VIR_ERR_OK</c></summary>
    Ok = 0,
    /// <summary><c>VIR_ERR_INTERNAL_ERROR</c></summary>
    InternalError = 1,
    /// <summary><c>VIR_ERR_NO_MEMORY</c></summary>
    NoMemory = 2,
    /// <summary><c>VIR_ERR_NO_SUPPORT</c></summary>
    NoSupport = 3,
    /// <summary><c>VIR_ERR_UNKNOWN_HOST</c></summary>
    UnknownHost = 4,
    /// <summary><c>VIR_ERR_NO_CONNECT</c></summary>
    NoConnect = 5,
    /// <summary><c>VIR_ERR_INVALID_CONN</c></summary>
    InvalidConn = 6,
    /// <summary><c>VIR_ERR_INVALID_DOMAIN</c></summary>
    InvalidDomain = 7,
    /// <summary><c>VIR_ERR_INVALID_ARG</c></summary>
    InvalidArg = 8,
    /// <summary><c>VIR_ERR_OPERATION_FAILED</c></summary>
    OperationFailed = 9,
    /// <summary><c>VIR_ERR_GET_FAILED</c></summary>
    GetFailed = 10,
    /// <summary><c>VIR_ERR_POST_FAILED</c></summary>
    PostFailed = 11,
    /// <summary><c>VIR_ERR_HTTP_ERROR</c></summary>
    HttpError = 12,
    /// <summary><c>VIR_ERR_SEXPR_SERIAL</c></summary>
    SexprSerial = 13,
    /// <summary><c>VIR_ERR_NO_XEN</c></summary>
    NoXen = 14,
    /// <summary><c>VIR_ERR_XEN_CALL</c></summary>
    XenCall = 15,
    /// <summary><c>VIR_ERR_OS_TYPE</c></summary>
    OsType = 16,
    /// <summary><c>VIR_ERR_NO_KERNEL</c></summary>
    NoKernel = 17,
    /// <summary><c>VIR_ERR_NO_ROOT</c></summary>
    NoRoot = 18,
    /// <summary><c>VIR_ERR_NO_SOURCE</c></summary>
    NoSource = 19,
    /// <summary><c>VIR_ERR_NO_TARGET</c></summary>
    NoTarget = 20,
    /// <summary><c>VIR_ERR_NO_NAME</c></summary>
    NoName = 21,
    /// <summary><c>VIR_ERR_NO_OS</c></summary>
    NoOs = 22,
    /// <summary><c>VIR_ERR_NO_DEVICE</c></summary>
    NoDevice = 23,
    /// <summary><c>VIR_ERR_NO_XENSTORE</c></summary>
    NoXenstore = 24,
    /// <summary><c>VIR_ERR_DRIVER_FULL</c></summary>
    DriverFull = 25,
    /// <summary><c>VIR_ERR_CALL_FAILED</c></summary>
    CallFailed = 26,
    /// <summary><c>VIR_ERR_XML_ERROR</c></summary>
    XmlError = 27,
    /// <summary><c>VIR_ERR_DOM_EXIST</c></summary>
    DomExist = 28,
    /// <summary><c>VIR_ERR_OPERATION_DENIED</c></summary>
    OperationDenied = 29,
    /// <summary><c>VIR_ERR_OPEN_FAILED</c></summary>
    OpenFailed = 30,
    /// <summary><c>VIR_ERR_READ_FAILED</c></summary>
    ReadFailed = 31,
    /// <summary><c>VIR_ERR_PARSE_FAILED</c></summary>
    ParseFailed = 32,
    /// <summary><c>VIR_ERR_CONF_SYNTAX</c></summary>
    ConfSyntax = 33,
    /// <summary><c>VIR_ERR_WRITE_FAILED</c></summary>
    WriteFailed = 34,
    /// <summary><c>VIR_ERR_XML_DETAIL</c></summary>
    XmlDetail = 35,
    /// <summary><c>VIR_ERR_INVALID_NETWORK</c></summary>
    InvalidNetwork = 36,
    /// <summary><c>VIR_ERR_NETWORK_EXIST</c></summary>
    NetworkExist = 37,
    /// <summary><c>VIR_ERR_SYSTEM_ERROR</c></summary>
    SystemError = 38,
    /// <summary><c>VIR_ERR_RPC</c></summary>
    Rpc = 39,
    /// <summary><c>VIR_ERR_GNUTLS_ERROR</c></summary>
    GnutlsError = 40,
    /// <summary><c>VIR_WAR_NO_NETWORK</c></summary>
    NoNetworkWarning = 41,
    /// <summary><c>VIR_ERR_NO_DOMAIN</c></summary>
    NoDomain = 42,
    /// <summary><c>VIR_ERR_NO_NETWORK</c></summary>
    NoNetwork = 43,
    /// <summary><c>VIR_ERR_INVALID_MAC</c></summary>
    InvalidMac = 44,
    /// <summary><c>VIR_ERR_AUTH_FAILED</c></summary>
    AuthFailed = 45,
    /// <summary><c>VIR_ERR_INVALID_STORAGE_POOL</c></summary>
    InvalidStoragePool = 46,
    /// <summary><c>VIR_ERR_INVALID_STORAGE_VOL</c></summary>
    InvalidStorageVol = 47,
    /// <summary><c>VIR_WAR_NO_STORAGE</c></summary>
    NoStorageWarning = 48,
    /// <summary><c>VIR_ERR_NO_STORAGE_POOL</c></summary>
    NoStoragePool = 49,
    /// <summary><c>VIR_ERR_NO_STORAGE_VOL</c></summary>
    NoStorageVol = 50,
    /// <summary><c>VIR_WAR_NO_NODE</c></summary>
    NoNodeWarning = 51,
    /// <summary><c>VIR_ERR_INVALID_NODE_DEVICE</c></summary>
    InvalidNodeDevice = 52,
    /// <summary><c>VIR_ERR_NO_NODE_DEVICE</c></summary>
    NoNodeDevice = 53,
    /// <summary><c>VIR_ERR_NO_SECURITY_MODEL</c></summary>
    NoSecurityModel = 54,
    /// <summary><c>VIR_ERR_OPERATION_INVALID</c></summary>
    OperationInvalid = 55,
    /// <summary><c>VIR_WAR_NO_INTERFACE</c></summary>
    NoInterfaceWarning = 56,
    /// <summary><c>VIR_ERR_NO_INTERFACE</c></summary>
    NoInterface = 57,
    /// <summary><c>VIR_ERR_INVALID_INTERFACE</c></summary>
    InvalidInterface = 58,
    /// <summary><c>VIR_ERR_MULTIPLE_INTERFACES</c></summary>
    MultipleInterfaces = 59,
    /// <summary><c>VIR_WAR_NO_NWFILTER</c></summary>
    NoNwfilterWarning = 60,
    /// <summary><c>VIR_ERR_INVALID_NWFILTER</c></summary>
    InvalidNwfilter = 61,
    /// <summary><c>VIR_ERR_NO_NWFILTER</c></summary>
    NoNwfilter = 62,
    /// <summary><c>VIR_ERR_BUILD_FIREWALL</c></summary>
    BuildFirewall = 63,
    /// <summary><c>VIR_WAR_NO_SECRET</c></summary>
    NoSecretWarning = 64,
    /// <summary><c>VIR_ERR_INVALID_SECRET</c></summary>
    InvalidSecret = 65,
    /// <summary><c>VIR_ERR_NO_SECRET</c></summary>
    NoSecret = 66,
    /// <summary><c>VIR_ERR_CONFIG_UNSUPPORTED</c></summary>
    ConfigUnsupported = 67,
    /// <summary><c>VIR_ERR_OPERATION_TIMEOUT</c></summary>
    OperationTimeout = 68,
    /// <summary><c>VIR_ERR_MIGRATE_PERSIST_FAILED</c></summary>
    MigratePersistFailed = 69,
    /// <summary><c>VIR_ERR_HOOK_SCRIPT_FAILED</c></summary>
    HookScriptFailed = 70,
    /// <summary><c>VIR_ERR_INVALID_DOMAIN_SNAPSHOT</c></summary>
    InvalidDomainSnapshot = 71,
    /// <summary><c>VIR_ERR_NO_DOMAIN_SNAPSHOT</c></summary>
    NoDomainSnapshot = 72,
    /// <summary><c>VIR_ERR_INVALID_STREAM</c></summary>
    InvalidStream = 73,
    /// <summary><c>VIR_ERR_ARGUMENT_UNSUPPORTED</c></summary>
    ArgumentUnsupported = 74,
    /// <summary><c>VIR_ERR_STORAGE_PROBE_FAILED</c></summary>
    StorageProbeFailed = 75,
    /// <summary><c>VIR_ERR_STORAGE_POOL_BUILT</c></summary>
    StoragePoolBuilt = 76,
    /// <summary><c>VIR_ERR_SNAPSHOT_REVERT_RISKY</c></summary>
    SnapshotRevertRisky = 77,
    /// <summary><c>VIR_ERR_OPERATION_ABORTED</c></summary>
    OperationAborted = 78,
    /// <summary><c>VIR_ERR_AUTH_CANCELLED</c></summary>
    AuthCancelled = 79,
    /// <summary><c>VIR_ERR_NO_DOMAIN_METADATA</c></summary>
    NoDomainMetadata = 80,
    /// <summary><c>VIR_ERR_MIGRATE_UNSAFE</c></summary>
    MigrateUnsafe = 81,
    /// <summary><c>VIR_ERR_OVERFLOW</c></summary>
    Overflow = 82,
    /// <summary><c>VIR_ERR_BLOCK_COPY_ACTIVE</c></summary>
    BlockCopyActive = 83,
    /// <summary><c>VIR_ERR_OPERATION_UNSUPPORTED</c></summary>
    OperationUnsupported = 84,
    /// <summary><c>VIR_ERR_SSH</c></summary>
    Ssh = 85,
    /// <summary><c>VIR_ERR_AGENT_UNRESPONSIVE</c></summary>
    AgentUnresponsive = 86,
    /// <summary><c>VIR_ERR_RESOURCE_BUSY</c></summary>
    ResourceBusy = 87,
    /// <summary><c>VIR_ERR_ACCESS_DENIED</c></summary>
    AccessDenied = 88,
    /// <summary><c>VIR_ERR_DBUS_SERVICE</c></summary>
    DbusService = 89,
    /// <summary><c>VIR_ERR_STORAGE_VOL_EXIST</c></summary>
    StorageVolExist = 90,
    /// <summary><c>VIR_ERR_CPU_INCOMPATIBLE</c></summary>
    CpuIncompatible = 91,
    /// <summary><c>VIR_ERR_XML_INVALID_SCHEMA</c></summary>
    XmlInvalidSchema = 92,
    /// <summary><c>VIR_ERR_MIGRATE_FINISH_OK</c></summary>
    MigrateFinishOk = 93,
    /// <summary><c>VIR_ERR_AUTH_UNAVAILABLE</c></summary>
    AuthUnavailable = 94,
    /// <summary><c>VIR_ERR_NO_SERVER</c></summary>
    NoServer = 95,
    /// <summary><c>VIR_ERR_NO_CLIENT</c></summary>
    NoClient = 96,
    /// <summary><c>VIR_ERR_AGENT_UNSYNCED</c></summary>
    AgentUnsynced = 97,
    /// <summary><c>VIR_ERR_LIBSSH</c></summary>
    Libssh = 98,
    /// <summary><c>VIR_ERR_DEVICE_MISSING</c></summary>
    DeviceMissing = 99,
    /// <summary><c>VIR_ERR_INVALID_NWFILTER_BINDING</c></summary>
    InvalidNwfilterBinding = 100,
    /// <summary><c>VIR_ERR_NO_NWFILTER_BINDING</c></summary>
    NoNwfilterBinding = 101,
    /// <summary><c>VIR_ERR_INVALID_DOMAIN_CHECKPOINT</c></summary>
    InvalidDomainCheckpoint = 102,
    /// <summary><c>VIR_ERR_NO_DOMAIN_CHECKPOINT</c></summary>
    NoDomainCheckpoint = 103,
    /// <summary><c>VIR_ERR_NO_DOMAIN_BACKUP</c></summary>
    NoDomainBackup = 104,
    /// <summary><c>VIR_ERR_INVALID_NETWORK_PORT</c></summary>
    InvalidNetworkPort = 105,
    /// <summary><c>VIR_ERR_NETWORK_PORT_EXIST</c></summary>
    NetworkPortExist = 106,
    /// <summary><c>VIR_ERR_NO_NETWORK_PORT</c></summary>
    NoNetworkPort = 107,
    /// <summary><c>VIR_ERR_NO_HOSTNAME</c></summary>
    NoHostname = 108,
    /// <summary><c>VIR_ERR_CHECKPOINT_INCONSISTENT</c></summary>
    CheckpointInconsistent = 109,
    /// <summary><c>VIR_ERR_MULTIPLE_DOMAINS</c></summary>
    MultipleDomains = 110,
}

/// <summary>Which part of libvirt reported an error: libvirt's <c>virErrorDomain</c>.</summary>
public enum ErrorDomain
{
    /// <summary><c>VIR_FROM_NONE</c></summary>
    None = 0,
    /// <summary><c>VIR_FROM_XEN</c></summary>
    Xen = 1,
    /// <summary><c>VIR_FROM_XEND</c></summary>
    Xend = 2,
    /// <summary><c>VIR_FROM_XENSTORE</c></summary>
    Xenstore = 3,
    /// <summary><c>VIR_FROM_SEXPR</c></summary>
    Sexpr = 4,
    /// <summary><c>VIR_FROM_XML</c></summary>
    Xml = 5,
    /// <summary><c>VIR_FROM_DOM</c></summary>
    Dom = 6,
    /// <summary><c>VIR_FROM_RPC</c></summary>
    Rpc = 7,
    /// <summary><c>VIR_FROM_PROXY</c></summary>
    Proxy = 8,
    /// <summary><c>VIR_FROM_CONF</c></summary>
    Conf = 9,
    /// <summary><c>VIR_FROM_QEMU</c></summary>
    Qemu = 10,
    /// <summary><c>VIR_FROM_NET</c></summary>
    Net = 11,
    /// <summary><c>VIR_FROM_TEST</c></summary>
    Test = 12,
    /// <summary><c>VIR_FROM_REMOTE</c></summary>
    Remote = 13,
    /// <summary><c>VIR_FROM_OPENVZ</c></summary>
    Openvz = 14,
    /// <summary><c>VIR_FROM_XENXM</c></summary>
    Xenxm = 15,
    /// <summary><c>VIR_FROM_STATS_LINUX</c></summary>
    StatsLinux = 16,
    /// <summary><c>VIR_FROM_LXC</c></summary>
    Lxc = 17,
    /// <summary><c>VIR_FROM_STORAGE</c></summary>
    Storage = 18,
    /// <summary><c>VIR_FROM_NETWORK</c></summary>
    Network = 19,
    /// <summary><c>VIR_FROM_DOMAIN</c></summary>
    Domain = 20,
    /// <summary><c>VIR_FROM_UML</c></summary>
    Uml = 21,
    /// <summary><c>VIR_FROM_NODEDEV</c></summary>
    Nodedev = 22,
    /// <summary><c>VIR_FROM_XEN_INOTIFY</c></summary>
    XenInotify = 23,
    /// <summary><c>VIR_FROM_SECURITY</c></summary>
    Security = 24,
    /// <summary><c>VIR_FROM_VBOX</c></summary>
    Vbox = 25,
    /// <summary><c>VIR_FROM_INTERFACE</c></summary>
    Interface = 26,
    /// <summary><c>VIR_FROM_ONE</c></summary>
    One = 27,
    /// <summary><c>VIR_FROM_ESX</c></summary>
    Esx = 28,
    /// <summary><c>VIR_FROM_PHYP</c></summary>
    Phyp = 29,
    /// <summary><c>VIR_FROM_SECRET</c></summary>
    Secret = 30,
    /// <summary><c>VIR_FROM_CPU</c></summary>
    Cpu = 31,
    /// <summary><c>VIR_FROM_XENAPI</c></summary>
    Xenapi = 32,
    /// <summary><c>VIR_FROM_NWFILTER</c></summary>
    Nwfilter = 33,
    /// <summary><c>VIR_FROM_HOOK</c></summary>
    Hook = 34,
    /// <summary><c>VIR_FROM_DOMAIN_SNAPSHOT</c></summary>
    DomainSnapshot = 35,
    /// <summary><c>VIR_FROM_AUDIT</c></summary>
    Audit = 36,
    /// <summary><c>VIR_FROM_SYSINFO</c></summary>
    Sysinfo = 37,
    /// <summary><c>VIR_FROM_STREAMS</c></summary>
    Streams = 38,
    /// <summary><c>VIR_FROM_VMWARE</c></summary>
    Vmware = 39,
    /// <summary><c>VIR_FROM_EVENT</c></summary>
    Event = 40,
    /// <summary><c>VIR_FROM_LIBXL</c></summary>
    Libxl = 41,
    /// <summary><c>VIR_FROM_LOCKING</c></summary>
    Locking = 42,
    /// <summary><c>VIR_FROM_HYPERV</c></summary>
    Hyperv = 43,
    /// <summary><c>VIR_FROM_CAPABILITIES</c></summary>
    Capabilities = 44,
    /// <summary><c>VIR_FROM_URI</c></summary>
    Uri = 45,
    /// <summary><c>VIR_FROM_AUTH</c></summary>
    Auth = 46,
    /// <summary><c>VIR_FROM_DBUS</c></summary>
    Dbus = 47,
    /// <summary><c>VIR_FROM_PARALLELS</c></summary>
    Parallels = 48,
    /// <summary><c>VIR_FROM_DEVICE</c></summary>
    Device = 49,
    /// <summary><c>VIR_FROM_SSH</c></summary>
    Ssh = 50,
    /// <summary><c>VIR_FROM_LOCKSPACE</c></summary>
    Lockspace = 51,
    /// <summary><c>VIR_FROM_INITCTL</c></summary>
    Initctl = 52,
    /// <summary><c>VIR_FROM_IDENTITY</c></summary>
    Identity = 53,
    /// <summary><c>VIR_FROM_CGROUP</c></summary>
    Cgroup = 54,
    /// <summary><c>VIR_FROM_ACCESS</c></summary>
    Access = 55,
    /// <summary><c>VIR_FROM_SYSTEMD</c></summary>
    Systemd = 56,
    /// <summary><c>VIR_FROM_BHYVE</c></summary>
    Bhyve = 57,
    /// <summary><c>VIR_FROM_CRYPTO</c></summary>
    Crypto = 58,
    /// <summary><c>VIR_FROM_FIREWALL</c></summary>
    Firewall = 59,
    /// <summary><c>VIR_FROM_POLKIT</c></summary>
    Polkit = 60,
    /// <summary><c>VIR_FROM_THREAD</c></summary>
    Thread = 61,
    /// <summary><c>VIR_FROM_ADMIN</c></summary>
    Admin = 62,
    /// <summary><c>VIR_FROM_LOGGING</c></summary>
    Logging = 63,
    /// <summary><c>VIR_FROM_XENXL</c></summary>
    Xenxl = 64,
    /// <summary><c>VIR_FROM_PERF</c></summary>
    Perf = 65,
    /// <summary><c>VIR_FROM_LIBSSH</c></summary>
    Libssh = 66,
    /// <summary><c>VIR_FROM_RESCTRL</c></summary>
    Resctrl = 67,
    /// <summary><c>VIR_FROM_FIREWALLD</c></summary>
    Firewalld = 68,
    /// <summary><c>VIR_FROM_DOMAIN_CHECKPOINT</c></summary>
    DomainCheckpoint = 69,
    /// <summary><c>VIR_FROM_TPM</c></summary>
    Tpm = 70,
    /// <summary><c>VIR_FROM_BPF</c></summary>
    Bpf = 71,
    /// <summary><c>VIR_FROM_CH</c></summary>
    Ch = 72,
}
