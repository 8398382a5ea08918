using System.Text.Json.Nodes;
using Miniguest.Core;

namespace Miniguest.Tests.Nix;

/// <summary>
/// nix/lib.nix, the functions the NixOS modules (and the test guest) decide with, evaluated by the real nix against
/// what the C# side reads and writes: the domain's share tags, the kernel command line, miniguest-config.json, a
/// guest's files, the declarative manifest.
/// </summary>
[TestFixture, Category(TestCategories.Nix), Parallelizable]
public sealed class NixLibTests
{
    private const string Init = "/nix/store/00000000000000000000000000000000-nixos-system-vm/init";

    private string _scratch = "";

    [SetUp]
    public void CreateScratch() => _scratch = Directory.CreateTempSubdirectory("miniguest-nix-lib-").FullName;

    [TearDown]
    public void RemoveScratch() => Directory.Delete(_scratch, recursive: true);

    [Test]
    public async Task The_share_tags_are_those_of_the_domain()
    {
        var tags = await NixLib.EvalAsync("lib.shareTags");
        Assert.That(tags?.ToJsonString(), Is.EqualTo(new JsonObject
        {
            ["boot"] = DomainXml.BootTag,
            ["store"] = DomainXml.StoreTag,
        }.ToJsonString()));
    }

    [Test]
    public async Task Kernel_params_are_the_serial_console_the_init_and_then_the_systems_own()
    {
        var kernelParams = await NixLib.EvalStringAsync(
            $"lib.kernelParams {{ init = {NixLib.Literal(Init)}; extraParams = [ \"quiet\" \"console=hvc0\" ]; }}");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(kernelParams, Is.EqualTo($"console=ttyS0 init={Init} quiet console=hvc0"));
            Assert.That(KernelCommandLine.Compose(kernelParams, "/boot/init"), Is.EqualTo(kernelParams),
                "the CLI adds nothing to a command line that names its init and console");
        }
    }

    [TestCase("x86_64-linux", "ttyS0")]
    [TestCase("aarch64-linux", "ttyAMA0")]
    public async Task Kernel_params_start_with_the_serial_console_of_the_guests_platform(string system, string console)
    {
        var kernelParams = await NixLib.EvalStringAsync(
            $"lib.kernelParams {{ init = {NixLib.Literal(Init)}; system = {NixLib.Literal(system)}; }}");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(kernelParams, Is.EqualTo($"console={console} init={Init}"));
            Assert.That(KernelCommandLine.Compose(kernelParams, "/boot/init"), Is.EqualTo(kernelParams),
                "the CLI adds no console of its own to a command line that chooses one");
        }
    }

    [Test]
    public async Task Kernel_params_without_the_serial_console_still_name_the_init()
    {
        var kernelParams = await NixLib.EvalStringAsync(
            $"lib.kernelParams {{ init = {NixLib.Literal(Init)}; serialConsole = false; }}");
        Assert.That(kernelParams, Is.EqualTo($"init={Init}"));
    }

    [TestCase("9p", new[] { "virtio_pci", "9p", "9pnet_virtio" })]
    [TestCase("virtiofs", new[] { "virtio_pci", "virtiofs" })]
    public async Task Stage_1_loads_the_modules_of_the_share_type(string fsType, string[] modules)
    {
        var loaded = await NixLib.EvalAsync($"lib.initrdKernelModules {NixLib.Literal(fsType)}");
        Assert.That(Strings(loaded), Is.EqualTo(modules));
    }

    [Test]
    public async Task A_vm_loads_the_balloon_that_reports_the_pages_its_guest_frees()
    {
        var loaded = await NixLib.EvalAsync("lib.vmKernelModules");
        Assert.That(Strings(loaded), Is.EqualTo(new[] { "virtio_balloon" }));
    }

    [Test]
    public async Task A_9p_share_is_read_only_over_virtio_with_the_default_msize_and_loose_cache()
    {
        var options = await NixLib.EvalAsync("lib.shareMountOptions { fsType = \"9p\"; }");
        Assert.That(Strings(options), Is.EqualTo(new[]
        {
            "trans=virtio", "version=9p2000.L", "msize=262144", "cache=loose",
            "x-systemd.requires=modprobe@9pnet_virtio.service", "x-systemd.after=systemd-modules-load.service", "ro",
        }));
    }

    [Test]
    public async Task A_9p_share_takes_the_msize_and_cache_it_is_given()
    {
        var options = Strings(await NixLib.EvalAsync("lib.shareMountOptions { fsType = \"9p\"; msize = 131072; cache = \"none\"; }"));
        Assert.That(options, Does.Contain("msize=131072").And.Contain("cache=none").And.Not.Contain("cache=loose"));
    }

    [Test]
    public async Task A_virtiofs_share_is_read_only_and_ignores_the_9p_settings()
    {
        var options = await NixLib.EvalAsync("lib.shareMountOptions { fsType = \"virtiofs\"; msize = 262144; }");
        Assert.That(Strings(options), Is.EqualTo(new[] { "x-systemd.after=systemd-modules-load.service", "ro" }));
    }

    // The shares' options are the same for both stage 1s: the scripted one ignores the x-systemd. options.
    [TestCase("9p")]
    [TestCase("virtiofs")]
    public async Task Every_share_is_ordered_after_the_module_loader_without_requiring_it(string fsType)
    {
        var options = Strings(await NixLib.EvalAsync($"lib.shareMountOptions {{ fsType = {NixLib.Literal(fsType)}; }}"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(options, Does.Contain("x-systemd.after=systemd-modules-load.service"));
            Assert.That(options, Has.None.StartsWith("x-systemd.requires=systemd-modules-load"),
                "a requirement would keep the module loader running into stage 2");
        }
    }

    [TestCase(false, new[] { "/nix/store" })]
    [TestCase(true, new[] { "/nix/.ro-store", "/nix/.rw-store", "/nix/store" })]
    public async Task The_mounts_kept_to_the_end_of_a_shutdown_are_those_the_store_lives_on(bool writable, string[] mounts)
    {
        var kept = await NixLib.EvalAsync($"lib.storeMounts {{ writableStore = {(writable ? "true" : "false")}; }}");
        var storeAt = await NixLib.EvalStringAsync($"lib.storeMountPoint {{ writableStore = {(writable ? "true" : "false")}; }}");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Strings(kept), Is.EqualTo(mounts));
            Assert.That(Strings(kept), Does.Contain(storeAt), "the store share itself");
        }
    }

    [Test]
    public async Task The_boot_commands_keep_nix_off_the_read_only_stores_ownership()
    {
        var commands = await NixLib.EvalStringAsync("lib.bootCommands \"/nix/store/00000000000000000000000000000000-nix\"");
        var nixCommands = commands.Split('\n').Where(line => line.Contains("/bin/nix", StringComparison.Ordinal)).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(nixCommands, Has.Some.Contains("/bin/nix-store ").And.Contains("--load-db < /boot/nix-path-registration"));
            Assert.That(nixCommands, Has.Some.Contains("/bin/nix-env ").And.Contains("--set /run/current-system"));
            Assert.That(nixCommands, Has.Count.EqualTo(2).And.All.Contains("--option build-users-group \"\" "));
        }
    }

    [Test]
    public async Task A_container_makes_its_own_resolver_and_uses_its_own_store_and_nix_daemon_without_build_users()
    {
        var settings = await NixLib.EvalAsync("lib.containerSettings");
        Assert.That(JsonNode.DeepEquals(settings, JsonNode.Parse("""{"useHostResolvConf":false,"nixRemote":"auto","buildUsersGroup":""}""")), Is.True,
            settings?.ToJsonString());
    }

    [TestCase("x86_64-linux", false, true)]
    [TestCase("x86_64-linux", true, false)]
    [TestCase("aarch64-linux", false, false)]
    [TestCase("aarch64-linux", true, false)]
    public async Task A_declared_guest_uses_the_hosts_packages_only_on_its_platform_and_without_nixpkgs_config(
        string guestSystem, bool configuresNixpkgs, bool usesHostPkgs)
    {
        var uses = await NixLib.EvalAsync(
            $"lib.usesHostPkgs {{ hostSystem = \"x86_64-linux\"; guestSystem = {NixLib.Literal(guestSystem)}; " +
            $"guestConfiguresNixpkgs = {(configuresNixpkgs ? "true" : "false")}; }}");
        Assert.That(uses?.GetValue<bool>(), Is.EqualTo(usesHostPkgs));
    }

    [TestCase(false, "/nix/store")]
    [TestCase(true, "/nix/.ro-store")]
    public async Task The_store_share_is_mounted_below_the_overlay_of_a_writable_store(bool writable, string mountPoint)
    {
        var at = await NixLib.EvalStringAsync($"lib.storeMountPoint {{ writableStore = {(writable ? "true" : "false")}; }}");
        Assert.That(at, Is.EqualTo(mountPoint));
    }

    [TestCase("qemu", "9p", """{"enable":true,"guestType":"qemu","qemu":{"fsType":"9p"}}""", GuestType.Qemu, StoreShareType.NineP)]
    [TestCase("qemu", "virtiofs", """{"enable":true,"guestType":"qemu","qemu":{"fsType":"virtiofs"}}""", GuestType.Qemu, StoreShareType.Virtiofs)]
    [TestCase("lxc", "9p", """{"enable":true,"guestType":"lxc","qemu":{"fsType":"9p"}}""", GuestType.Lxc, StoreShareType.NineP)]
    public async Task The_config_json_has_the_originals_shape_and_loads_as_a_GuestConfig(
        string guestType, string fsType, string json, GuestType type, StoreShareType share)
    {
        var text = await NixLib.EvalStringAsync(
            $"lib.configJson {{ guestType = {NixLib.Literal(guestType)}; fsType = {NixLib.Literal(fsType)}; }}");
        var file = Path.Combine(_scratch, GuestConfig.FileName);
        await File.WriteAllTextAsync(file, text);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(text, Is.EqualTo(json));
            Assert.That(GuestConfig.Load(file), Is.EqualTo(new GuestConfig(type, share)));
        }
    }

    [TestCase("guestType = \"xen\";", "guestType is \"xen\"")]
    [TestCase("guestType = \"qemu\"; fsType = \"nfs\";", "qemu.fsType is \"nfs\"")]
    public void The_config_json_refuses_values_the_CLI_would_not_read(string arguments, string problem)
    {
        var error = Assert.ThrowsAsync<NixException>(() => NixLib.EvalStringAsync($"lib.configJson {{ {arguments} }}"));
        Assert.That(error.Message, Does.Contain(problem));
    }

    [TestCase("qemu", new[] { "boot/init", "boot/nix-path-registration", "initrd", "kernel", "kernel-params", "miniguest-config.json" })]
    [TestCase("lxc", new[] { "boot/init", "boot/nix-path-registration", "miniguest-config.json" })]
    public async Task The_output_layout_lists_the_files_of_a_guest(string guestType, string[] files)
    {
        var layout = await NixLib.EvalAsync($"lib.outputLayout {{ guestType = {NixLib.Literal(guestType)}; }}");
        Assert.That(Strings(layout), Is.EqualTo(files));
    }

    [TestCase("qemu", GuestType.Qemu)]
    [TestCase("lxc", GuestType.Lxc)]
    public async Task A_directory_with_the_layouts_files_loads_as_a_guest(string guestType, GuestType type)
    {
        var layout = Strings(await NixLib.EvalAsync($"lib.outputLayout {{ guestType = {NixLib.Literal(guestType)}; }}"));
        var config = await NixLib.EvalStringAsync($"lib.configJson {{ guestType = {NixLib.Literal(guestType)}; }}");
        foreach (var file in layout)
        {
            var path = Path.Combine(_scratch, file);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, file == GuestConfig.FileName ? config : file == "kernel-params" ? $"init={Init}" : "");
        }

        var guest = GuestSystem.Load(_scratch, store: _scratch);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(guest.Config.GuestType, Is.EqualTo(type));
            Assert.That(guest.KernelParams, Is.EqualTo(type == GuestType.Qemu ? $"init={Init}" : null));
        }
    }

    [Test]
    public async Task The_declarative_manifest_holds_each_guests_libvirt_settings_and_nothing_else()
    {
        var manifest = await NixLib.EvalStringAsync("""
            lib.declarativeManifest {
              web = {
                uri = null; memory = 1024; vcpus = 1; network = null; autostart = false; restartIfChanged = true;
                configuration = { boot.miniguest.enable = true; }; system = "x86_64-linux";
              };
              db = {
                uri = "lxc:///"; memory = 512; vcpus = 2; network = [ "default" "backend" ]; bridge = "br0"; autostart = true; restartIfChanged = false; switchIfChanged = false;
                shares = { data = "/srv/db"; }; configuration = { }; system = "aarch64-linux";
              };
            }
            """);
        var expected = JsonNode.Parse("""
            {
              "version": 1,
              "guests": {
                "web": { "uri": null, "memory": 1024, "vcpus": 1, "networks": [], "bridges": [], "autostart": false, "restartIfChanged": true, "switchIfChanged": true, "shares": {},
                  "credentials": {} },
                "db": { "uri": "lxc:///", "memory": 512, "vcpus": 2, "networks": ["default", "backend"], "bridges": ["br0"], "autostart": true, "restartIfChanged": false,
                  "switchIfChanged": false, "shares": { "data": "/srv/db" }, "credentials": {} }
              }
            }
            """);
        Assert.That(JsonNode.DeepEquals(JsonNode.Parse(manifest), expected), Is.True, manifest);
    }

    [Test]
    public async Task The_declarative_manifest_of_no_guests_is_empty()
    {
        var manifest = await NixLib.EvalStringAsync("lib.declarativeManifest { }");
        Assert.That(JsonNode.DeepEquals(JsonNode.Parse(manifest), JsonNode.Parse("""{"version":1,"guests":{}}""")), Is.True, manifest);
    }

    // Shares as a guest's configuration declares them (a Nix attribute set of `boot.miniguest.shares`), on 9p or virtiofs.
    private static IEnumerable<TestCaseData> Shares() =>
    [
        new TestCaseData("""{ data = { mountPoint = "/var/lib/db"; }; logs = { mountPoint = "/var/log"; source = "/srv/logs"; readOnly = true; }; }""", "9p")
            .SetArgDisplayNames("good ones"),
        new TestCaseData("""{ "a b" = { mountPoint = "/x"; }; }""", "9p").SetArgDisplayNames("a bad tag"),
        new TestCaseData("""{ boot = { mountPoint = "/x"; }; }""", "9p").SetArgDisplayNames("the boot tag"),
        new TestCaseData("""{ data = { mountPoint = "/data/"; }; }""", "9p").SetArgDisplayNames("a trailing slash"),
        new TestCaseData("""{ data = { mountPoint = "/srv/../etc"; }; }""", "9p").SetArgDisplayNames("a .. part"),
        new TestCaseData("""{ data = { mountPoint = "/"; }; }""", "9p").SetArgDisplayNames("the root"),
        new TestCaseData("""{ data = { mountPoint = "/boot"; }; }""", "9p").SetArgDisplayNames("on /boot"),
        new TestCaseData("""{ data = { mountPoint = "/nix"; }; }""", "9p").SetArgDisplayNames("above the store"),
        new TestCaseData("""{ data = { mountPoint = "/x"; source = "srv"; }; }""", "9p").SetArgDisplayNames("a relative source"),
        new TestCaseData("""{ data = { mountPoint = "/x"; source = "/nix/store/abc"; }; }""", "9p").SetArgDisplayNames("a source in the store"),
        new TestCaseData("""{ a = { mountPoint = "/x"; }; b = { mountPoint = "/x"; }; }""", "9p").SetArgDisplayNames("one mount point twice"),
        new TestCaseData("""{ data = { mountPoint = "/x"; readOnly = true; }; }""", "virtiofs").SetArgDisplayNames("read-only on virtiofs"),
    ];

    [TestCaseSource(nameof(Shares))]
    public async Task The_guest_module_refuses_in_the_CLIs_words_the_shares_the_CLI_refuses(string shares, string fsType)
    {
        var problems = Strings(await NixLib.EvalAsync(
            $"lib.shareProblems {{ shares = {shares}; vmOnVirtiofs = {NixLib.Literal(fsType)} == \"virtiofs\"; }}"));
        var json = await NixLib.EvalStringAsync($"lib.configJson {{ guestType = \"qemu\"; fsType = {NixLib.Literal(fsType)}; shares = {shares}; }}");
        var refusal = Refusal(json, "shares");
        Assert.That(problems, refusal is null ? Is.Empty : Is.EqualTo(new[] { refusal }));
    }

    // Volumes as a guest's configuration declares them (`boot.miniguest.volumes`), beside a share at /srv.
    private static IEnumerable<TestCaseData> Volumes() =>
    [
        new TestCaseData("""{ db = { mountPoint = "/var/lib/db"; sizeMiB = 64; }; store = { mountPoint = "/nix/.rw-store"; sizeMiB = 8192; fsType = "xfs"; }; }""")
            .SetArgDisplayNames("good ones"),
        new TestCaseData("""{ "a b" = { mountPoint = "/x"; sizeMiB = 1; }; }""").SetArgDisplayNames("a bad name"),
        new TestCaseData("""{ abcdefghijklmnopqrstu = { mountPoint = "/x"; sizeMiB = 1; }; }""").SetArgDisplayNames("a name longer than a serial"),
        new TestCaseData("""{ db = { mountPoint = "/srv/../etc"; sizeMiB = 1; }; }""").SetArgDisplayNames("a .. part"),
        new TestCaseData("""{ db = { mountPoint = "/nix"; sizeMiB = 1; }; }""").SetArgDisplayNames("above the store"),
        new TestCaseData("""{ db = { mountPoint = "/x"; sizeMiB = 0; }; }""").SetArgDisplayNames("no size"),
        new TestCaseData("""{ db = { mountPoint = "/x"; sizeMiB = 16777217; }; }""").SetArgDisplayNames("too large"),
        new TestCaseData("""{ db = { mountPoint = "/x"; sizeMiB = 1; fsType = "qcow2"; }; }""").SetArgDisplayNames("an unknown file system"),
        new TestCaseData("""{ db = { mountPoint = "/srv"; sizeMiB = 1; }; }""").SetArgDisplayNames("on a share's mount point"),
        new TestCaseData("""{ a = { mountPoint = "/x"; sizeMiB = 1; }; b = { mountPoint = "/x"; sizeMiB = 1; }; }""").SetArgDisplayNames("one mount point twice"),
    ];

    [TestCaseSource(nameof(Volumes))]
    public async Task The_guest_module_refuses_in_the_CLIs_words_the_volumes_the_CLI_refuses(string volumes)
    {
        const string shares = """{ data = { mountPoint = "/srv"; }; }""";
        var problems = Strings(await NixLib.EvalAsync($"lib.volumeProblems {{ volumes = {volumes}; shares = {shares}; }}"));
        var json = await NixLib.EvalStringAsync($"lib.configJson {{ guestType = \"qemu\"; shares = {shares}; volumes = {volumes}; }}");
        var refusal = Refusal(json, "volumes");
        // The CLI stops at the first problem; the module names each.
        Assert.That(refusal is null ? problems : problems.Take(1), refusal is null ? Is.Empty : Is.EqualTo(new[] { refusal }));
    }

    [Test]
    public async Task A_vms_volume_is_found_by_its_serial_formatted_grown_and_needed_for_boot_under_a_writable_store()
    {
        var db = await NixLib.EvalAsync("""lib.volumeFileSystem "db" { mountPoint = "/var/lib/db"; sizeMiB = 64; }""");
        var store = await NixLib.EvalAsync("""lib.volumeFileSystem "store" { mountPoint = "/nix/.rw-store"; sizeMiB = 64; fsType = "xfs"; }""");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(JsonNode.DeepEquals(db, JsonNode.Parse("""{"device":"/dev/disk/by-id/virtio-db","fsType":"ext4","autoFormat":true,"autoResize":true}""")),
                Is.True, db?.ToJsonString());
            Assert.That(store?["neededForBoot"]?.GetValue<bool>(), Is.True);
            Assert.That(store?["fsType"]?.GetValue<string>(), Is.EqualTo("xfs"));
        }
    }

    [Test]
    public async Task The_module_offers_the_file_systems_and_sizes_the_CLI_takes()
    {
        var fsTypes = Strings(await NixLib.EvalAsync("lib.volumeFsTypes"));
        var max = await NixLib.EvalAsync("lib.maxVolumeSizeMiB");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(fsTypes, Is.EqualTo(GuestVolume.FsTypes));
            Assert.That(max?.GetValue<long>(), Is.EqualTo(GuestVolume.MaxSizeMiB));
        }
    }

    [TestCase("qemu+ssh://root@web1/system")]
    [TestCase("lxc+ssh://web1/")]
    [TestCase("qemu+libssh2://web1/system?keyfile=/root/.ssh/id")]
    [TestCase("qemu+libssh://web1/system")]
    [TestCase("qemu:///system")]
    [TestCase("lxc:///")]
    [TestCase("qemu+tcp://web1/system")]
    [TestCase("qemu+unix:///system")]
    public async Task A_uri_names_another_host_for_the_modules_as_for_the_CLI(string uri)
    {
        var remote = await NixLib.EvalAsync($"lib.isRemoteUri {NixLib.Literal(uri)}");
        Assert.That(remote?.GetValue<bool>(), Is.EqualTo(SshTarget.FromLibvirtUri(uri) is not null));
    }

    [TestCase("qemu", GuestType.Qemu)]
    [TestCase("lxc", GuestType.Lxc)]
    public async Task A_guest_without_a_uri_lives_where_the_CLI_puts_it(string guestType, GuestType type)
    {
        var uri = await NixLib.EvalStringAsync($"lib.guestUri {{ guestType = {NixLib.Literal(guestType)}; }}");
        Assert.That(uri, Is.EqualTo(GuestDomains.DefaultUri(type)));
    }

    [Test]
    public async Task Libvirt_guests_shuts_down_this_hosts_vms_and_containers_and_no_other_hosts()
    {
        var uris = await NixLib.EvalStringAsync("""lib.shutdownUris [ "qemu+ssh://root@web1/system" "qemu:///session" "lxc:///" ]""");
        Assert.That(uris.Split(' '), Is.EquivalentTo(new[] { "qemu:///system", "lxc:///", "qemu:///session" }));
    }

    [TestCase(false, new string[] { "libvirtd.service" }, new string[0])]
    [TestCase(true, new[] { "libvirtd.service", "network-online.target" }, new[] { "network-online.target" })]
    public async Task The_declarative_unit_waits_for_the_network_only_for_guests_on_other_hosts(bool remote, string[] after, string[] wants)
    {
        var order = await NixLib.EvalAsync($"lib.declarativeUnitOrder {{ remote = {(remote ? "true" : "false")}; }}");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Strings(order?["after"]), Is.EqualTo(after));
            Assert.That(Strings(order?["wants"]), Is.EqualTo(wants));
            Assert.That(Strings(order?["before"]), Is.EqualTo(new[] { "libvirt-guests.service" }), "before libvirt-guests starts the guests that ran");
        }
    }

    // What the CLI says of the field of a miniguest-config.json, after the field's name; null where it takes the file.
    private static string? Refusal(string json, string field)
    {
        try
        {
            GuestConfig.Parse(System.Text.Encoding.UTF8.GetBytes(json), "miniguest-config.json");
            return null;
        }
        catch (GuestFileException e)
        {
            var prefix = $"\"{field}\": ";
            return e.Message[(e.Message.IndexOf(prefix, StringComparison.Ordinal) + prefix.Length)..];
        }
    }

    private static string[] Strings(JsonNode? node) =>
        node?.AsArray().Select(item => item!.GetValue<string>()).ToArray() ?? throw new InvalidOperationException("null instead of a list");
}
