using Miniguest.Core;

namespace Miniguest.Tests.Unit;

/// <summary>A guest's credentials: the copies Miniguest keeps (root's alone, the guest's root's for a container), how each
/// guest type's domain hands them over without holding them, and the refusal of a domain that would hand over anything
/// else.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class GuestCredentialsTests
{
    private static readonly GuestName Web = GuestName.Parse("web");
    private static readonly GuestName Db = GuestName.Parse("db");
    private static readonly MiniguestPaths Paths = new() { State = "/var/lib/miniguest" };
    private static readonly HostFacts Host = new(MountTable.Parse(MountTableTests.DebianWithView, "libvirtd (pid 1)"), VirtType.Qemu, UserNamespaces: true)
    {
        ContainerIds = ContainerIds.Mapping(ContainerIds.FirstId),
        Credentials = ["api-token", "ssh_host_ed25519_key"],
    };

    private static readonly GuestSystem Vm = new(
        "/etc/miniguests/web", new GuestConfig(GuestType.Qemu, StoreShareType.NineP), "panic=-1",
        "/nix/store/aaa-linux/bzImage", "/nix/store/bbb-initrd/initrd", "/nix/store/ccc-miniguest-web/boot");

    private static readonly GuestSystem Container = new(
        "/etc/miniguests/db", new GuestConfig(GuestType.Lxc, StoreShareType.NineP), "", null, null, "/nix/store/ddd-miniguest-db/boot");

    [TestCase("ssh_host_ed25519_key")]
    [TestCase("a")]
    [TestCase("web.tls-key_2")]
    [TestCase("abcdefghijklmnopqrstuvwxyz12")]
    public void An_id_systemd_and_fw_cfg_both_take_is_taken(string id) => Assert.That(GuestCredentials.RequireId(id), Is.EqualTo(id));

    [TestCase("")]
    [TestCase("../etc/shadow")]
    [TestCase(".hidden")]
    [TestCase("-rf")]
    [TestCase("two words")]
    [TestCase("abcdefghijklmnopqrstuvwxyz123")]
    [TestCase("key\n")]
    public void Anything_else_is_refused(string id) => Assert.Throws<FormatException>(() => GuestCredentials.RequireId(id));

    [Test]
    public void A_vm_gets_each_as_a_fw_cfg_entry_backed_by_its_copy_and_reads_it_back()
    {
        var definition = GuestDomainBuilder.Build(Web, Vm, new GuestMetadata("web", 1, "/nix/store/ccc"), new DomainOptions(), null, Paths, Host);
        var vm = DomainXml.Read(definition.Xml).Vm!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(vm.FirmwareFiles, Is.EqualTo(new[]
            {
                new FirmwareFile("opt/io.systemd.credentials/api-token", "/var/lib/miniguest/guests/web/credentials/api-token"),
                new FirmwareFile("opt/io.systemd.credentials/ssh_host_ed25519_key", "/var/lib/miniguest/guests/web/credentials/ssh_host_ed25519_key"),
            }));
            Assert.That(definition.Xml, Does.Contain("<sysinfo type=\"fwcfg\">"));
        }
    }

    [Test]
    public void A_container_gets_its_directory_bound_read_only_and_named_to_its_init_and_no_share_of_it()
    {
        var definition = GuestDomainBuilder.Build(Db, Container, new GuestMetadata("db", 1, "/nix/store/ddd"), new DomainOptions(), null, Paths, Host);
        var container = DomainXml.Read(definition.Xml).Container!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(container.CredentialsDirectory, Is.EqualTo("/var/lib/miniguest/guests/db/credentials"));
            Assert.That(container.Shares, Is.Empty, "read back as the credentials, not as a share");
            Assert.That(definition.Xml, Does.Contain("<initenv name=\"CREDENTIALS_DIRECTORY\">/.miniguest-credentials</initenv>"));
            Assert.That(definition.Xml, Does.Match("<source dir=\"/var/lib/miniguest/guests/db/credentials\" />\\s*<target dir=\"/.miniguest-credentials\" />\\s*<readonly />"));
        }
    }

    [Test]
    public void A_guest_without_credentials_gets_none_of_it()
    {
        var vm = GuestDomainBuilder.Build(Web, Vm, new GuestMetadata("web", 1, "/nix/store/ccc"), new DomainOptions(), null, Paths, Host with { Credentials = [] });
        var container = GuestDomainBuilder.Build(Db, Container, new GuestMetadata("db", 1, "/nix/store/ddd"), new DomainOptions(), null, Paths, Host with { Credentials = [] });

        Assert.That(vm.Xml + container.Xml, Does.Not.Contain("fwcfg").And.Not.Contain("CREDENTIALS_DIRECTORY").And.Not.Contain("credentials"));
    }

    [Test]
    public void A_domain_handing_the_guest_another_file_as_a_credential_is_refused_before_it_starts()
    {
        var definition = GuestDomainBuilder.Build(Web, Vm, new GuestMetadata("web", 1, "/nix/store/ccc"), new DomainOptions(), null, Paths, Host);
        var shadow = definition.Xml.Replace("/var/lib/miniguest/guests/web/credentials/api-token", "/etc/shadow", StringComparison.Ordinal);
        var climbing = definition.Xml.Replace("credentials/api-token\"", "credentials/../../../../etc/shadow\"", StringComparison.Ordinal)
            .Replace("opt/io.systemd.credentials/api-token", "opt/io.systemd.credentials/../../../../etc/shadow", StringComparison.Ordinal);
        var elsewhere = GuestDomainBuilder.Build(Db, Container, new GuestMetadata("db", 1, "/nix/store/ddd"), new DomainOptions(), null, Paths, Host).Xml
            .Replace("/var/lib/miniguest/guests/db/credentials", "/root", StringComparison.Ordinal);

        using (Assert.EnterMultipleScope())
        {
            Assert.DoesNotThrow(() => StartSafety.RequireOwnCredentials(Web, DomainXml.Read(definition.Xml), Paths));
            Assert.That(() => StartSafety.RequireOwnCredentials(Web, DomainXml.Read(shadow), Paths),
                Throws.InstanceOf<GuestStateException>().With.Message.Contains("/etc/shadow"));
            Assert.That(() => StartSafety.RequireOwnCredentials(Web, DomainXml.Read(climbing), Paths), Throws.InstanceOf<GuestStateException>());
            Assert.That(() => StartSafety.RequireOwnCredentials(Db, DomainXml.Read(elsewhere), Paths),
                Throws.InstanceOf<GuestStateException>().With.Message.Contains("/root"));
        }
    }

    [Test]
    public void Changes_are_copied_root_only_and_given_to_the_guests_root_and_one_taken_away_is_deleted()
    {
        using var layout = new TemporaryLayout("miniguest-credentials-");
        var ids = ContainerIds.Mapping(ContainerIds.FirstId);

        GuestCredentials.Write(layout.Paths, Db, new Dictionary<string, byte[]?> { ["a"] = [1, 2, 3], ["b"] = [4] }, ids);
        GuestCredentials.Write(layout.Paths, Db, new Dictionary<string, byte[]?> { ["a"] = null, ["c"] = [5] }, ids);

        var directory = layout.Paths.Credentials(Db);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(GuestCredentials.Ids(layout.Paths, Db), Is.EqualTo(new[] { "b", "c" }));
            Assert.That(File.ReadAllBytes(Path.Combine(directory, "b")), Is.EqualTo(new byte[] { 4 }));
            Assert.That(File.GetUnixFileMode(directory), Is.EqualTo((UnixFileMode)0b111_000_000));
            Assert.That(File.GetUnixFileMode(Path.Combine(directory, "c")), Is.EqualTo(UnixFileMode.UserRead));
            Assert.That(TestCommand.Run("stat", ["-c", "%u:%g", directory, Path.Combine(directory, "b")]).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries),
                Is.All.EqualTo($"{ids.UidTarget}:{ids.GidTarget}"), "the container's mapped root owns them");
            Assert.That(GuestCredentials.After(["b", "c"], new Dictionary<string, byte[]?> { ["b"] = null, ["d"] = [] }), Is.EqualTo(new[] { "c", "d" }));
        }
    }

    [Test]
    public async Task A_credential_is_read_only_where_root_alone_can_change_what_its_path_leads_to()
    {
        var root = Directory.CreateTempSubdirectory("miniguest-credential-source-").FullName;
        try
        {
            var own = Directory.CreateDirectory(Path.Combine(root, "own")).FullName;
            var open = Directory.CreateDirectory(Path.Combine(root, "open")).FullName;
            File.SetUnixFileMode(open, (UnixFileMode)0b111_111_111);
            File.WriteAllText(Path.Combine(own, "token"), "secret");
            File.WriteAllText(Path.Combine(open, "token"), "swappable");
            File.CreateSymbolicLink(Path.Combine(own, "through-open"), Path.Combine(open, "token"));
            File.CreateSymbolicLink(Path.Combine(own, "linked"), "token");
            File.WriteAllText(Path.Combine(own, "writable"), "writable");
            File.SetUnixFileMode(Path.Combine(own, "writable"), (UnixFileMode)0b110_110_110);

            using (Assert.EnterMultipleScope())
            {
                Assert.That(await GuestCredentials.ReadFileAsync(Path.Combine(own, "token"), "credential 't'"), Is.EqualTo("secret"u8.ToArray()));
                Assert.That(await GuestCredentials.ReadFileAsync(Path.Combine(own, "linked"), "credential 't'"), Is.EqualTo("secret"u8.ToArray()),
                    "a link root made, to a file root alone can change");
                Assert.That(() => GuestCredentials.ReadFileAsync(Path.Combine(open, "token"), "credential 't'"),
                    Throws.InstanceOf<IOException>().With.Message.Contains("may write in " + open));
                Assert.That(() => GuestCredentials.ReadFileAsync(Path.Combine(own, "through-open"), "credential 't'"),
                    Throws.InstanceOf<IOException>().With.Message.Contains(open), "a link that leads through a directory others write in");
                Assert.That(() => GuestCredentials.ReadFileAsync(Path.Combine(own, "writable"), "credential 't'"),
                    Throws.InstanceOf<IOException>().With.Message.Contains("no one else can write"));
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Test]
    public void A_credential_larger_than_systemd_takes_is_refused_as_it_is_read()
    {
        using var stream = new MemoryStream(new byte[GuestCredentials.MaxBytes + 1]);

        Assert.That(async () => await GuestCredentials.ReadAsync(stream, "credential 'big'"),
            Throws.InstanceOf<IOException>().With.Message.Contains("credential 'big'"));
    }
}
