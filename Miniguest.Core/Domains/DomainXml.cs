using System.Globalization;
using System.Xml.Linq;
using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>Writes the libvirt XML of Miniguest's domains and reads it back.</summary>
internal static class DomainXml
{
    private static readonly XNamespace Ns = GuestMetadata.Namespace;

    /// <summary>The share tags the guest mounts: the host's store and the guest's boot directory.</summary>
    public const string StoreTag = "nix-store";

    /// <inheritdoc cref="StoreTag"/>
    public const string BootTag = "boot";

    /// <summary>The libvirt XML of a VM.</summary>
    public static string Write(VmDomain vm)
    {
        ArgumentNullException.ThrowIfNull(vm);
        var virtiofs = vm.StoreShare == StoreShareType.Virtiofs;
        var domain = new XElement("domain", new XAttribute("type", vm.VirtType == VirtType.Kvm ? "kvm" : "qemu"),
            Identity(vm.Name, vm.Uuid, vm.Metadata),
            new XElement("memory", new XAttribute("unit", "MiB"), vm.MemoryMiB),
            new XElement("vcpu", vm.VCpus),
            new XElement("os",
                new XElement("type", new XAttribute("arch", vm.Arch), new XAttribute("machine", vm.Machine), "hvm"),
                new XElement("kernel", vm.Kernel),
                new XElement("initrd", vm.Initrd),
                new XElement("cmdline", vm.CommandLine)),
            vm.FirmwareFiles.Count == 0
                ? null
                : new XElement("sysinfo", new XAttribute("type", "fwcfg"),
                    vm.FirmwareFiles.Select(file => new XElement("entry", new XAttribute("name", file.Name), new XAttribute("file", file.File)))),
            new XElement("features", new XElement("acpi")),
            // virtiofsd maps guest memory: it must be shared.
            virtiofs
                ? new XElement("memoryBacking",
                    new XElement("source", new XAttribute("type", "memfd")),
                    new XElement("access", new XAttribute("mode", "shared")))
                : null,
            LifecycleActions(),
            new XElement("devices",
                VmShare(vm, vm.StoreSource, StoreTag),
                VmShare(vm, vm.BootSource, BootTag),
                vm.Shares.Select(share => VmDataShare(vm, share)),
                vm.Volumes.Select((disk, index) => Disk(disk, index)),
                vm.Interfaces.Select(nic => Interface(nic, virtio: true)),
                new XElement("serial", new XAttribute("type", "pty"),
                    vm.ConsoleLog is null
                        ? null
                        : new XElement("log", new XAttribute("file", vm.ConsoleLog), new XAttribute("append", "off")),
                    new XElement("target", new XAttribute("port", 0))),
                new XElement("console", new XAttribute("type", "pty"),
                    new XElement("target", new XAttribute("type", "serial"), new XAttribute("port", 0))),
                vm.AgentChannel
                    ? new XElement("channel", new XAttribute("type", "unix"),
                        new XElement("target", new XAttribute("type", "virtio"), new XAttribute("name", GuestChannel.PortName)))
                    : null,
                // libvirt adds a USB controller unless told not to; nothing of a guest's system needs one, so it is one
                // emulated device less for QEMU to set up and for the guest to probe.
                new XElement("controller", new XAttribute("type", "usb"), new XAttribute("model", "none")),
                Balloon(vm.FreePageReporting)));
        return domain.ToString();
    }

    /// <summary>The libvirt XML of a container.</summary>
    public static string Write(ContainerDomain container)
    {
        ArgumentNullException.ThrowIfNull(container);
        var domain = new XElement("domain", new XAttribute("type", "lxc"),
            Identity(container.Name, container.Uuid, container.Metadata),
            new XElement("memory", new XAttribute("unit", "MiB"), container.MemoryMiB),
            new XElement("vcpu", container.VCpus),
            new XElement("os", new XElement("type", "exe"), new XElement("init", container.Init),
                container.CredentialsDirectory is null
                    ? null
                    : new XElement("initenv", new XAttribute("name", GuestCredentials.DirectoryVariable), GuestCredentials.ContainerDirectory)),
            container.UserNamespace is { } ids
                ? new XElement("idmap",
                    new XElement("uid", new XAttribute("start", 0), new XAttribute("target", ids.UidTarget), new XAttribute("count", ids.Count)),
                    new XElement("gid", new XAttribute("start", 0), new XAttribute("target", ids.GidTarget), new XAttribute("count", ids.Count)))
                : null,
            ContainerFeatures(container),
            LifecycleActions(),
            new XElement("devices",
                Bind(container.RootDirectory, "/", readOnly: false),
                Bind(container.StoreSource, container.StoreTarget, readOnly: true),
                Bind(container.BootSource, "/boot", readOnly: true),
                container.Shares.Select(share => Bind(share.Source, share.Target, share.ReadOnly)),
                container.CredentialsDirectory is null ? null : Bind(container.CredentialsDirectory, GuestCredentials.ContainerDirectory, readOnly: true),
                container.Interfaces.Select(nic => Interface(nic, virtio: false)),
                new XElement("console", new XAttribute("type", "pty")),
                container.AgentChannel
                    ? new XElement("console", new XAttribute("type", "pty"), new XElement("target", new XAttribute("type", "lxc"), new XAttribute("port", 1)))
                    : null));
        return domain.ToString();
    }

    // A container without interfaces gets a network namespace of its own (libvirt gives it only lo) unless it is to share
    // the host's; one with interfaces always has its own.
    private static XElement? ContainerFeatures(ContainerDomain container)
    {
        var privateNetwork = container.Interfaces.Count == 0 && !container.SharesHostNetwork;
        return container.DropCapabilities == ContainerCapabilities.None && !privateNetwork
            ? null
            : new XElement("features",
                privateNetwork ? new XElement("privnet") : null,
                container.DropCapabilities == ContainerCapabilities.None
                    ? null
                    : new XElement("capabilities", new XAttribute("policy", "default"),
                        DroppedCapabilities.Where(c => container.DropCapabilities.HasFlag(c.Flag))
                            .Select(c => new XElement(c.Name, new XAttribute("state", "off")))));
    }

    /// <summary>Reads a domain written by <see cref="Write(VmDomain)"/> or <see cref="Write(ContainerDomain)"/> (or
    /// libvirt's rendering of either), parsing it once.</summary>
    /// <exception cref="FormatException">The XML is neither.</exception>
    public static DomainDescription Read(string xml)
    {
        var domain = Parse(xml);
        return (string?)domain.Attribute("type") == "lxc" ? DomainDescription.Of(ReadContainer(domain)) : DomainDescription.Of(ReadVm(domain));
    }

    private static VmDomain ReadVm(XElement domain)
    {
        var type = (string?)domain.Attribute("type");
        var os = Required(domain, "os");
        var osType = Required(os, "type");
        var devices = Required(domain, "devices");
        var shares = devices.Elements("filesystem")
            .ToDictionary(f => (string?)f.Element("target")?.Attribute("dir") ?? "", StringComparer.Ordinal);
        if (!shares.TryGetValue(StoreTag, out var store) || !shares.TryGetValue(BootTag, out var boot))
        {
            throw new FormatException($"the domain has no '{StoreTag}' and '{BootTag}' shares");
        }
        return new VmDomain
        {
            Name = RequiredValue(domain, "name"),
            Uuid = ReadUuid(domain),
            Metadata = ReadMetadata(domain),
            VirtType = type switch
            {
                "kvm" => VirtType.Kvm,
                "qemu" => VirtType.Qemu,
                _ => throw new FormatException($"domain type '{type}' is not a Miniguest VM"),
            },
            MemoryMiB = ReadMemoryMiB(domain),
            VCpus = (int)Required(domain, "vcpu"),
            Arch = (string?)osType.Attribute("arch") ?? "x86_64",
            Machine = (string?)osType.Attribute("machine") ?? "pc",
            Kernel = RequiredValue(os, "kernel"),
            Initrd = RequiredValue(os, "initrd"),
            CommandLine = (string?)os.Element("cmdline") ?? "",
            StoreSource = ShareSource(store),
            BootSource = ShareSource(boot),
            StoreShare = (string?)store.Element("driver")?.Attribute("type") == "virtiofs"
                ? StoreShareType.Virtiofs
                : StoreShareType.NineP,
            // Only 9p shares can be read-only in libvirt; virtiofs ones are guarded on the host (Miniguest.Core's StoreView).
            ReadOnly9pShares = (string?)store.Element("driver")?.Attribute("type") == "virtiofs"
                || (store.Element("readonly") is not null && boot.Element("readonly") is not null),
            VirtiofsdPath = (string?)store.Element("binary")?.Attribute("path"),
            ConsoleLog = (string?)devices.Element("serial")?.Element("log")?.Attribute("file"),
            AgentChannel = devices.Elements("channel").Any(channel => (string?)channel.Element("target")?.Attribute("name") == GuestChannel.PortName),
            FreePageReporting = devices.Element("memballoon") is { } balloon
                && (string?)balloon.Attribute("model") == "virtio" && (string?)balloon.Attribute("freePageReporting") == "on",
            Shares = devices.Elements("filesystem")
                .Where(f => (string?)f.Element("target")?.Attribute("dir") is not (StoreTag or BootTag))
                .Select(f => new SharedDirectory(ShareSource(f), (string?)f.Element("target")?.Attribute("dir") ?? "", f.Element("readonly") is not null))
                .ToValueList(),
            Volumes = devices.Elements("disk").Select(ReadDisk).ToValueList(),
            Interfaces = ReadInterfaces(devices),
            FirmwareFiles = domain.Elements("sysinfo").Where(sysinfo => (string?)sysinfo.Attribute("type") == "fwcfg")
                .SelectMany(sysinfo => sysinfo.Elements("entry"))
                .Where(entry => entry.Attribute("file") is not null)
                .Select(entry => new FirmwareFile((string?)entry.Attribute("name") ?? "", (string)entry.Attribute("file")!))
                .ToValueList(),
        };
    }

    private static ContainerDomain ReadContainer(XElement domain)
    {
        if ((string?)domain.Attribute("type") != "lxc")
        {
            throw new FormatException("the domain is not an LXC container");
        }
        var devices = Required(domain, "devices");
        var interfaces = ReadInterfaces(devices);
        var allBinds = devices.Elements("filesystem")
            .Select(f => new SharedDirectory(ShareSource(f), (string?)f.Element("target")?.Attribute("dir") ?? "", f.Element("readonly") is not null))
            .ToList();
        var credentials = allBinds.FirstOrDefault(bind => bind.Target == GuestCredentials.ContainerDirectory);
        var binds = allBinds.Where(bind => bind != credentials).ToList();
        string Bound(string target) =>
            binds.FirstOrDefault(b => b.Target == target)?.Source ?? throw new FormatException($"nothing is bound at {target}");
        // The store is the first bind besides the root and /boot, wherever the guest's store directory is; the shares follow.
        var others = binds.Where(bind => bind.Target is not ("/" or "/boot")).ToList();
        if (others.Count == 0 || !others[0].ReadOnly)
        {
            throw new FormatException("the container binds no read-only store besides / and /boot");
        }
        var store = others[0];
        return new ContainerDomain
        {
            Name = RequiredValue(domain, "name"),
            Uuid = ReadUuid(domain),
            Metadata = ReadMetadata(domain),
            MemoryMiB = ReadMemoryMiB(domain),
            VCpus = (int)Required(domain, "vcpu"),
            Init = RequiredValue(Required(domain, "os"), "init"),
            UserNamespace = ReadUserNamespace(domain),
            DropCapabilities = ReadDroppedCapabilities(domain),
            RootDirectory = Bound("/"),
            StoreSource = store.Source,
            StoreTarget = store.Target,
            BootSource = Bound("/boot"),
            Shares = others.Skip(1).ToValueList(),
            Interfaces = interfaces,
            SharesHostNetwork = devices.Elements("interface").FirstOrDefault() is null && domain.Element("features")?.Element("privnet") is null,
            CredentialsDirectory = credentials?.Source,
            AgentChannel = devices.Elements("console").Count() > 1,
        };
    }

    /// <summary>The host ids any domain's XML maps its user namespace onto, one mapping for each <c>&lt;uid&gt;</c> and
    /// <c>&lt;gid&gt;</c> range of its <c>&lt;idmap&gt;</c> (with the same target for uids and gids); none without one.</summary>
    /// <exception cref="FormatException">The XML is not a domain.</exception>
    public static IReadOnlyList<UserNamespaceMapping> ReadIdRanges(string xml) =>
        Parse(xml).Element("idmap")?.Elements().Where(range => range.Name.LocalName is "uid" or "gid")
            .Select(range => (uint?)range.Attribute("target") is { } target && (uint?)range.Attribute("count") is { } count
                ? new UserNamespaceMapping(target, target, count)
                : null)
            .OfType<UserNamespaceMapping>().ToList() ?? [];

    /// <summary>The network interfaces of any domain's XML that are on a libvirt network or a host bridge, in order.</summary>
    /// <exception cref="FormatException">The XML is not a domain, or such an interface has no MAC address.</exception>
    public static ValueList<GuestInterface> ReadInterfaces(string xml) => DomainSummary.Read(xml).Interfaces;

    /// <summary>Reads Miniguest's metadata from any domain's XML; <see langword="null"/> when it has none,
    /// which means Miniguest did not define it and must not touch it.</summary>
    /// <exception cref="FormatException">The XML is not a domain.</exception>
    public static GuestMetadata? ReadMetadata(string xml) => DomainSummary.Read(xml).Metadata;

    private static IEnumerable<XElement> Identity(string name, Guid? uuid, GuestMetadata? metadata)
    {
        yield return new XElement("name", name);
        if (uuid is { } id)
        {
            yield return new XElement("uuid", id.ToString("D"));
        }
        if (metadata is not null)
        {
            yield return new XElement("metadata", MetadataElement(metadata, Ns));
        }
    }

    /// <summary>The prefix of Miniguest's metadata namespace in domain XML.</summary>
    public const string MetadataPrefix = "miniguest";

    /// <summary>The XML to give <see cref="Domain.SetMetadata"/> (with <see cref="GuestMetadata.Namespace"/> and
    /// <see cref="MetadataPrefix"/>) to mark a domain: the element without its namespace, which libvirt adds.</summary>
    public static string MetadataForDomain(GuestMetadata metadata) => MetadataElement(metadata, XNamespace.None).ToString();

    private static XElement MetadataElement(GuestMetadata metadata, XNamespace ns)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return new XElement(ns + "guest",
            ns == XNamespace.None ? null : new XAttribute(XNamespace.Xmlns + MetadataPrefix, ns.NamespaceName),
            new XAttribute("name", metadata.GuestName),
            metadata.Generation is { } generation ? new XAttribute("generation", generation) : null,
            metadata.StorePath is { } path ? new XAttribute("store-path", path) : null,
            metadata.AllowWritableStore ? new XAttribute("allow-writable-store", "true") : null,
            metadata.HostNetwork ? new XAttribute("network", "host") : null,
            metadata.RestartPending ? new XAttribute("restart-pending", "true") : null,
            metadata.ShareSources.Select(given => new XElement(ns + "share", new XAttribute("tag", given.Tag), new XAttribute("source", given.Directory))));
    }

    /// <summary>Reads Miniguest's metadata element as <see cref="Domain.GetMetadata"/> returns it (without its
    /// namespace); <see langword="null"/> for <see langword="null"/>.</summary>
    /// <exception cref="FormatException">It is not Miniguest's element.</exception>
    public static GuestMetadata? ReadMetadataElement(string? xml)
    {
        if (xml is null)
        {
            return null;
        }
        try
        {
            var element = XElement.Parse(xml);
            return element.Name.LocalName == "guest" ? ReadGuestElement(element) : throw new FormatException($"<{element.Name}> is not Miniguest's metadata");
        }
        catch (System.Xml.XmlException e)
        {
            throw new FormatException($"the metadata does not parse: {e.Message}", e);
        }
    }

    private static GuestMetadata? ReadMetadata(XElement domain) =>
        domain.Element("metadata")?.Element(Ns + "guest") is { } guest ? ReadGuestElement(guest) : null;

    internal static GuestMetadata ReadGuestElement(XElement guest)
    {
        var name = (string?)guest.Attribute("name") ?? throw new FormatException("Miniguest metadata without a guest name");
        return new GuestMetadata(name, (int?)guest.Attribute("generation"), (string?)guest.Attribute("store-path"))
        {
            AllowWritableStore = (bool?)guest.Attribute("allow-writable-store") ?? false,
            HostNetwork = (string?)guest.Attribute("network") == "host",
            RestartPending = (bool?)guest.Attribute("restart-pending") ?? false,
            ShareSources = guest.Elements(guest.Name.Namespace + "share")
                .Select(share => new GivenShareSource(
                    (string?)share.Attribute("tag") ?? throw new FormatException("Miniguest metadata with a share without a tag"),
                    (string?)share.Attribute("source") ?? throw new FormatException("Miniguest metadata with a share without a source")))
                .ToValueList(),
        };
    }

    // libvirt's names of the capabilities a container may drop, in the order libvirt renders them.
    private static readonly (ContainerCapabilities Flag, string Name)[] DroppedCapabilities =
    [
        (ContainerCapabilities.DacReadSearch, "dac_read_search"),
        (ContainerCapabilities.SysAdmin, "sys_admin"),
    ];

    // Reads the capabilities this model knows and ignores others; a policy other than libvirt's default is not Miniguest's.
    private static ContainerCapabilities ReadDroppedCapabilities(XElement domain)
    {
        if (domain.Element("features")?.Element("capabilities") is not { } capabilities)
        {
            return ContainerCapabilities.None;
        }
        if ((string?)capabilities.Attribute("policy") is { } policy && policy != "default")
        {
            throw new FormatException($"capabilities policy '{policy}' is not a Miniguest container's");
        }
        return DroppedCapabilities
            .Where(c => (string?)capabilities.Element(c.Name)?.Attribute("state") == "off")
            .Aggregate(ContainerCapabilities.None, (all, c) => all | c.Flag);
    }

    private static XElement[] LifecycleActions() =>
    [
        new XElement("on_poweroff", "destroy"),
        new XElement("on_reboot", "restart"),
        new XElement("on_crash", "destroy"),
    ];

    private static XElement VmShare(VmDomain vm, string source, string tag) =>
        vm.StoreShare == StoreShareType.Virtiofs
            ? new XElement("filesystem", new XAttribute("type", "mount"), new XAttribute("accessmode", "passthrough"),
                new XElement("driver", new XAttribute("type", "virtiofs")),
                vm.VirtiofsdPath is null ? null : new XElement("binary", new XAttribute("path", vm.VirtiofsdPath)),
                new XElement("source", new XAttribute("dir", source)),
                new XElement("target", new XAttribute("dir", tag)))
            // 9p: QEMU refuses writes itself (readonly), and squash keeps guest root from owning host files.
            : new XElement("filesystem", new XAttribute("type", "mount"), new XAttribute("accessmode", "squash"),
                new XElement("source", new XAttribute("dir", source)),
                new XElement("target", new XAttribute("dir", tag)),
                vm.ReadOnly9pShares ? new XElement("readonly") : null);

    // A balloon only to report free pages: nothing inflates it, so the guest keeps all its memory to use.
    private static XElement Balloon(bool freePageReporting) =>
        freePageReporting
            ? new("memballoon", new XAttribute("model", "virtio"), new XAttribute("freePageReporting", "on"))
            : new("memballoon", new XAttribute("model", "none"));

    private static XElement Interface(GuestInterface nic, bool virtio) =>
        new("interface", new XAttribute("type", nic.Attachment.Type == AttachmentType.Network ? "network" : "bridge"),
            new XElement("mac", new XAttribute("address", nic.MacAddress)),
            new XElement("source", new XAttribute(nic.Attachment.Type == AttachmentType.Network ? "network" : "bridge", nic.Attachment.Source)),
            virtio ? new XElement("model", new XAttribute("type", "virtio")) : null);

    // The interfaces this model knows: on a libvirt network or a host bridge. Others (added by hand) are not Miniguest's.
    private static ValueList<GuestInterface> ReadInterfaces(XElement devices) =>
        devices.Elements("interface").Select(ReadInterface).OfType<GuestInterface>().ToValueList();

    /// <summary>One <c>&lt;interface&gt;</c> element; <see langword="null"/> for a kind this model does not know.</summary>
    internal static GuestInterface? ReadInterface(XElement nic) =>
        (string?)nic.Attribute("type") switch
        {
            "network" => new NetworkAttachment(AttachmentType.Network, (string?)nic.Element("source")?.Attribute("network") ?? ""),
            "bridge" => new NetworkAttachment(AttachmentType.Bridge, (string?)nic.Element("source")?.Attribute("bridge") ?? ""),
            _ => null,
        } is { } attachment
            ? new GuestInterface(attachment, (string?)nic.Element("mac")?.Attribute("address")
                ?? throw new FormatException($"the interface on {attachment} has no MAC address"))
            : null;

    // A writable 9p share is mapped: files are QEMU's on the host, and what the guest sets (owners, modes, setuid bits,
    // device nodes, links) lives in extended attributes, never on the host's files themselves.
    private static XElement VmDataShare(VmDomain vm, SharedDirectory share) =>
        vm.StoreShare == StoreShareType.Virtiofs
            ? new XElement("filesystem", new XAttribute("type", "mount"), new XAttribute("accessmode", "passthrough"),
                new XElement("driver", new XAttribute("type", "virtiofs")),
                vm.VirtiofsdPath is null ? null : new XElement("binary", new XAttribute("path", vm.VirtiofsdPath)),
                new XElement("source", new XAttribute("dir", share.Source)),
                new XElement("target", new XAttribute("dir", share.Target)))
            : new XElement("filesystem", new XAttribute("type", "mount"), new XAttribute("accessmode", "mapped"),
                new XElement("source", new XAttribute("dir", share.Source)),
                new XElement("target", new XAttribute("dir", share.Target)),
                share.ReadOnly ? new XElement("readonly") : null);

    // A volume's disk, its format given (QEMU never probes it: a guest that wrote a qcow2 header into its raw image would
    // otherwise have QEMU open the host file that header names) and its serial the volume's name.
    private static XElement Disk(VolumeDisk disk, int index) =>
        new("disk", new XAttribute("type", "file"), new XAttribute("device", "disk"),
            new XElement("driver", new XAttribute("name", "qemu"), new XAttribute("type", disk.Format)),
            new XElement("source", new XAttribute("file", disk.File)),
            new XElement("target", new XAttribute("dev", "vd" + (char)('a' + index)), new XAttribute("bus", "virtio")),
            new XElement("serial", disk.Serial));

    // Any disk, as the domain has it: a disk that is not a file, or names no format, reads with an empty file or format,
    // which the start's checks refuse (GuestVolumes).
    private static VolumeDisk ReadDisk(XElement disk) =>
        new((string?)disk.Element("source")?.Attribute("file") ?? "", (string?)disk.Element("serial") ?? "",
            (string?)disk.Element("driver")?.Attribute("type") ?? "");

    private static XElement Bind(string source, string target, bool readOnly) =>
        new("filesystem", new XAttribute("type", "mount"),
            new XElement("source", new XAttribute("dir", source)),
            new XElement("target", new XAttribute("dir", target)),
            readOnly ? new XElement("readonly") : null);

    private static XElement Parse(string xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        try
        {
            var root = XElement.Parse(xml, LoadOptions.PreserveWhitespace);
            return root.Name == "domain" ? root : throw new FormatException($"<{root.Name}> is not a <domain>");
        }
        catch (System.Xml.XmlException e)
        {
            throw new FormatException($"the domain XML does not parse: {e.Message}", e);
        }
    }

    private static XElement Required(XElement parent, string name) =>
        parent.Element(name) ?? throw new FormatException($"<{parent.Name}> has no <{name}>");

    private static string RequiredValue(XElement parent, string name) => Required(parent, name).Value;

    private static UserNamespaceMapping? ReadUserNamespace(XElement domain)
    {
        if (domain.Element("idmap") is not { } idmap)
        {
            return null;
        }
        var uid = Required(idmap, "uid");
        var gid = Required(idmap, "gid");
        if ((uint?)uid.Attribute("start") != 0 || (uint?)gid.Attribute("start") != 0 || (uint?)uid.Attribute("count") != (uint?)gid.Attribute("count"))
        {
            throw new FormatException("the idmap is not a Miniguest mapping (one range from id 0, same size for uids and gids)");
        }
        return new UserNamespaceMapping((uint)uid.Attribute("target")!, (uint)gid.Attribute("target")!, (uint)uid.Attribute("count")!);
    }

    private static Guid? ReadUuid(XElement domain) =>
        domain.Element("uuid") is { } uuid ? Guid.Parse(uuid.Value) : null;

    private static string ShareSource(XElement filesystem) =>
        (string?)filesystem.Element("source")?.Attribute("dir") ?? throw new FormatException("a filesystem without a source dir");

    // libvirt renders memory in KiB whatever unit it was given.
    private static int ReadMemoryMiB(XElement domain)
    {
        var memory = Required(domain, "memory");
        var value = long.Parse(memory.Value, CultureInfo.InvariantCulture);
        return (string?)memory.Attribute("unit") switch
        {
            "MiB" or "M" => (int)value,
            "GiB" or "G" => (int)(value * 1024),
            "b" or "bytes" => (int)(value / 1024 / 1024),
            _ => (int)(value / 1024),
        };
    }
}
