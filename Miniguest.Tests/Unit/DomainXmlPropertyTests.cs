using CsCheck;
using Miniguest.Core;

namespace Miniguest.Tests.Unit;

/// <summary>Any valid model serialises to XML that reads back equal.</summary>
public sealed class DomainXmlPropertyTests
{
    // Text libvirt accepts: printable characters, XML's special ones and non-ASCII included.
    private static readonly Gen<string> Text =
        Gen.String[Gen.Char[" abcxyzABC019-_./:=,~#@!?&<>\"']]>[]{}()*%$+;|\\üßéñйж漢字"], 1, 40];

    private static readonly Gen<string?> OptionalText = Gen.Frequency((1, Gen.Const((string?)null)), (3, Text.Select(t => (string?)t)));

    private static readonly Gen<GuestMetadata?> Metadata = Gen.Frequency(
        (1, Gen.Const((GuestMetadata?)null)),
        (3, Gen.Select(Text, Gen.Int[0, 10_000].Select(g => (int?)g), OptionalText, Gen.Bool, (name, generation, path, allowWritable) =>
            (GuestMetadata?)new GuestMetadata(name, generation % 3 == 0 ? null : generation, path) { AllowWritableStore = allowWritable })));

    private static readonly Gen<ValueList<GuestInterface>> Interfaces =
        Gen.Select(Gen.Enum<AttachmentType>(), Text, Gen.Byte.Array[6], (type, source, mac) =>
                new GuestInterface(new NetworkAttachment(type, source), string.Join(':', mac.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)))))
            .Array[0, 3].Select(nics => nics.ToValueList());

    // Data shares: a VM's by tag (a virtiofs one cannot be read-only), a container's at a directory other than / and /boot;
    // each at a target of its own, as GuestShare's checks make them.
    private static Gen<ValueList<SharedDirectory>> Shares(Func<string, string> target, bool canBeReadOnly) =>
        Gen.Select(Text, Text, Gen.Bool, (source, name, readOnly) => new SharedDirectory(source, target(name), readOnly && canBeReadOnly))
            .Array[0, 3].Select(shares => shares.Where(share => share.Target is not ("nix-store" or "boot")).DistinctBy(share => share.Target).ToValueList());

    private static readonly Gen<Guid?> Uuid = Gen.Frequency((1, Gen.Const((Guid?)null)), (1, Gen.Guid.Select(g => (Guid?)g)));

    private static readonly Gen<VmDomain> Vms =
        Gen.Select(Gen.Select(Text, Uuid, Text, Text, Text, Text, Text), Gen.Select(Gen.Enum<StoreShareType>(), OptionalText,
                Gen.Int[16, 1 << 20], Gen.Int[1, 512], Gen.Enum<VirtType>(), Gen.OneOfConst("x86_64", "aarch64"), Gen.OneOfConst("pc", "q35", "virt")),
            Gen.Select(OptionalText, Interfaces, Metadata, Shares(tag => tag, canBeReadOnly: true), Gen.Bool),
            (a, b, c) => new VmDomain
            {
                Name = a.Item1, Uuid = a.Item2, Kernel = a.Item3, Initrd = a.Item4, CommandLine = a.Item5, BootSource = a.Item6, StoreSource = a.Item7,
                StoreShare = b.Item1, VirtiofsdPath = b.Item1 == StoreShareType.Virtiofs ? b.Item2 : null,
                MemoryMiB = b.Item3, VCpus = b.Item4, VirtType = b.Item5, Arch = b.Item6, Machine = b.Item7,
                ConsoleLog = c.Item1, Interfaces = c.Item2, Metadata = c.Item3, FreePageReporting = c.Item5,
                Shares = b.Item1 == StoreShareType.Virtiofs ? c.Item4.Select(share => share with { ReadOnly = false }).ToValueList() : c.Item4,
            });

    private static readonly Gen<UserNamespaceMapping?> UserNamespace = Gen.Frequency(
        (1, Gen.Const((UserNamespaceMapping?)null)),
        (2, Gen.Select(Gen.UInt[1, 1u << 30], Gen.UInt[1, 1u << 30], Gen.UInt[1, 1u << 16],
            (uid, gid, count) => (UserNamespaceMapping?)new UserNamespaceMapping(uid, gid, count))));

    private static readonly Gen<ContainerDomain> Containers =
        Gen.Select(Gen.Select(Text, Uuid, Text, Text, Text, Text),
            Gen.Select(Gen.Int[16, 1 << 20], Gen.Int[1, 64], UserNamespace, Metadata, Gen.Int[0, 3].Select(c => (ContainerCapabilities)c),
                Gen.OneOfConst("/nix/store", "/gnu/store", "/opt/nix/store"), Interfaces, Shares(name => "/data/" + name, canBeReadOnly: true)),
            (a, b) => new ContainerDomain
            {
                Name = a.Item1, Uuid = a.Item2, RootDirectory = a.Item3, BootSource = a.Item4, StoreSource = a.Item5, Init = a.Item6,
                MemoryMiB = b.Item1, VCpus = b.Item2, UserNamespace = b.Item3, Metadata = b.Item4, DropCapabilities = b.Item5, StoreTarget = b.Item6, Interfaces = b.Item7, Shares = b.Item8,
            });

    [Test]
    public void Any_vm_reads_back_equal() =>
        Vms.Sample(vm => Assert.That(DomainXml.Read(DomainXml.Write(vm)).Vm!, Is.EqualTo(vm)), iter: 2_000);

    [Test]
    public void Any_container_reads_back_equal() =>
        Containers.Sample(container => Assert.That(DomainXml.Read(DomainXml.Write(container)).Container!, Is.EqualTo(container)), iter: 2_000);

    // The one-pass summary a listing reads must say what the whole model says.
    [Test]
    public void Any_domains_summary_agrees_with_its_model()
    {
        Vms.Sample(vm => Assert.That(DomainSummary.Read(DomainXml.Write(vm)), Is.EqualTo(new DomainSummary(vm.Metadata, vm.Interfaces))), iter: 1_000);
        Containers.Sample(container => Assert.That(DomainSummary.Read(DomainXml.Write(container)),
            Is.EqualTo(new DomainSummary(container.Metadata, container.Interfaces))), iter: 1_000);
    }
}
