using System.Runtime.InteropServices;
using Miniguest.Core;

namespace Miniguest.Tests.Integration.Cli;

/// <summary>The original miniguest's imperative checks, on the real Nix store.</summary>
[TestFixture, Category(TestCategories.Integration), Parallelizable]
public sealed class InstallTests : HostFixture
{
    private static readonly GuestName VmName = GuestName.Parse("vm");

    private string Vm => TestGuestFlake.Reference + "#vm";

    [Test]
    public void Install_links_the_guest_to_its_own_profile()
    {
        Host.Ok("install", Vm);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(new FileInfo(Host.Paths.Link(VmName)).LinkTarget, Is.EqualTo(Host.Paths.Profile(VmName)));
            Assert.That(new FileInfo(Host.Paths.Profile(VmName)).LinkTarget, Is.EqualTo("vm-1-link"));
            Assert.That(File.ReadAllText(Path.Combine(Host.Paths.Link(VmName), "miniguest-config.json")), Does.Contain("\"guestType\":\"qemu\""));
            Assert.That(File.ReadAllText(Path.Combine(Host.Paths.Link(VmName), "manifest.json")), Does.Contain("nixosConfigurations.vm.config.system.build.miniguest"));
        }
    }

    [Test]
    public void Install_without_attribute_builds_the_default_configuration()
    {
        Host.Ok("install", TestGuestFlake.Reference);
        Assert.That(Directory.Exists(Path.Combine(Host.Paths.Link(GuestName.Parse("default")), "boot")), Is.True);
    }

    [Test]
    public void Install_of_existing_guest_without_force_fails_and_names_force()
    {
        Host.Ok("install", Vm);
        var before = Host.Snapshot();

        var second = Host.Run("install", Vm);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(second.ExitCode, Is.EqualTo(1));
            Assert.That(second.ErrorLines, Has.Count.EqualTo(1).And.Some.Contains("--force"));
            Assert.That(Host.Snapshot(), Is.EqualTo(before));
        }
    }

    [Test]
    public void Install_with_force_replaces_the_guest_and_twice_is_fine()
    {
        Host.Ok("install", Vm);
        Host.Ok("install", "--force", TestGuestFlake.Reference + "#vm-virtiofs", "-n", "vm");
        Host.Ok("install", "-f", TestGuestFlake.Reference + "#vm-virtiofs", "-n", "vm");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(File.ReadAllText(Path.Combine(Host.Paths.Link(VmName), "miniguest-config.json")), Does.Contain("virtiofs"));
            Assert.That(Directory.GetFileSystemEntries(Host.Paths.Profiles, "vm-*-link"), Has.Length.EqualTo(2),
                "the replacement is one new generation; installing the same build again adds none");
        }
    }

    [Test]
    public void Install_under_another_name_links_that_names_profile()
    {
        Host.Ok("install", "-n", "web", Vm);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(new FileInfo(Host.Paths.Link(GuestName.Parse("web"))).LinkTarget, Is.EqualTo(Host.Paths.Profile(GuestName.Parse("web"))));
            Assert.That(File.Exists(Host.Paths.Link(VmName)), Is.False);
        }
    }

    [Test]
    public void Install_of_a_missing_attribute_fails_and_leaves_no_link_and_no_profile()
    {
        var result = Host.Run("install", TestGuestFlake.Reference + "#no-such-guest");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.ExitCode, Is.EqualTo(1));
            Assert.That(result.ErrorLines, Has.Count.EqualTo(1).And.Some.Contains("no-such-guest"));
            Assert.That(Host.Snapshot().Where(e => !e.StartsWith("state", StringComparison.Ordinal)),
                Is.EqualTo(new[] { "profiles" }), "nothing but the (empty) profiles directory");
        }
    }

    [Test]
    public void A_failed_build_shows_nixs_whole_error_with_the_builds_last_log_lines()
    {
        var flake = Directory.CreateTempSubdirectory("miniguest-broken-guest-").FullName;
        try
        {
            // A guest whose build fails the way a package's does: its builder prints, then exits non-zero.
            var nonce = Guid.NewGuid().ToString("N");
            File.WriteAllText(Path.Combine(flake, "flake.nix"), $$"""
                {
                  outputs = { self }: {
                    nixosConfigurations.broken.config.system.build.miniguest = derivation {
                      name = "broken-guest-{{nonce}}";
                      system = "{{NixSystem}}";
                      builder = "/bin/sh";
                      args = [ "-c" "echo configuring; echo 'error: frobnicator.conf: line 3: unknown key' >&2; exit 1" ];
                    };
                  };
                }
                """);

            var result = Host.Run("install", $"path:{flake}#broken");

            // Off a terminal, the build's progress comes first as plain lines; then the error, whole.
            var lines = result.ErrorLines.ToList();
            var error = lines.FindIndex(line => line.StartsWith("miniguest: error: nix profile install: ", StringComparison.Ordinal));
            using (Assert.EnterMultipleScope())
            {
                Assert.That(result.ExitCode, Is.EqualTo(1));
                Assert.That(result.Out, Is.Empty);
                Assert.That(lines[0], Is.EqualTo($"miniguest: [0/1 built] broken-guest-{nonce}"), "what it built");
                Assert.That(error, Is.Positive, "the error's first line");
                Assert.That(lines.ElementAtOrDefault(error), Does.Match($"^miniguest: error: nix profile install: builder for '/nix/store/[a-z0-9]{{32}}-broken-guest-{nonce}.drv' failed"));
                Assert.That(lines.Skip(error), Does.Contain("       > error: frobnicator.conf: line 3: unknown key"));
                Assert.That(lines[^1], Does.Contain("For full logs, run 'nix log /nix/store/"));
                Assert.That(File.Exists(Host.Paths.Link(GuestName.Parse("broken"))), Is.False);
            }
        }
        finally
        {
            Directory.Delete(flake, recursive: true);
        }
    }

    private static string NixSystem => RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "aarch64-linux" : "x86_64-linux";

    [Test]
    public void Quiet_commands_print_nothing_when_they_succeed()
    {
        var name = MiniguestHost.UniqueName("quiet");
        string[][] commands =
        [
            ["-q", "install", "-n", name, Vm], ["-q", "install", "--force", "-n", name, TestGuestFlake.Reference + "#vm-virtiofs"],
            ["-q", "create", name, "--virt-type", "qemu", "--memory", "64"],
            ["-q", "autostart", name, "on"], ["-q", "stop", name], ["-q", "rollback", name], ["-q", "remove", name],
        ];
        foreach (var command in commands)
        {
            var result = Host.Ok(command);
            Assert.That(result.Out + result.Error, Is.Empty, $"miniguest {string.Join(' ', command)}");
        }
        Assert.That(Host.Run("install", "-n", name, Vm).Out, Does.StartWith($"installed '{name}'").And.Contain($"next: miniguest create {name}"),
            "without -q, the command says what it did and what comes next");
    }

    [Test]
    public void A_stray_link_is_a_broken_row_in_list_and_upgrade_all_skips_it_saying_why()
    {
        Host.Ok("install", Vm);
        Directory.CreateDirectory(Host.Paths.Guests);
        File.CreateSymbolicLink(Host.Paths.Link(GuestName.Parse("stray")), Host.Paths.Profile(GuestName.Parse("stray")));

        var list = Host.Ok("list");
        var upgrade = Host.Ok("upgrade", "--all");
        var neither = Host.Run("upgrade");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(list.Out.Split('\n'), Has.Some.Match(@"^stray\s.*\bbroken\b.*which does not exist"));
            Assert.That(list.Out.Split('\n'), Has.Some.Match(@"^vm\s"));
            Assert.That(upgrade.Out, Does.StartWith("upgrading: vm\n"), "what --all touches, first");
            Assert.That(upgrade.Out, Does.Contain("'vm': up to date"));
            Assert.That(upgrade.ErrorLines, Has.Some.StartsWith("miniguest: warning: skipping 'stray': ").And.Some.Contains("which does not exist"));
            Assert.That(neither.ExitCode, Is.EqualTo(2));
            Assert.That(neither.ErrorLines[0], Is.EqualTo("miniguest: give a guest NAME or --all"));
        }
    }

    [Test]
    public void A_uri_given_with_c_is_the_one_acted_on_and_a_guest_defined_elsewhere_is_refused_saying_where()
    {
        var name = MiniguestHost.UniqueName("uri");
        Host.Ok("install", "-n", name, Vm);
        Host.Ok("create", name, "--virt-type", "qemu", "--memory", "64");

        var onLxc = System.Text.Json.Nodes.JsonNode.Parse(Host.Ok("-c", "lxc:///", "list", "--json").Out)!.AsArray();
        var onQemu = System.Text.Json.Nodes.JsonNode.Parse(Host.Ok("-c", "qemu:///system", "list", "--json").Out)!.AsArray();
        var start = Host.Run("-c", "lxc:///", "start", name);
        var unreachable = Host.Run("-c", "qemu+unix:///system?socket=/nonexistent/libvirt-sock", "list");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(onLxc.Select(guest => (string?)guest!["name"]), Does.Not.Contain(name), "not a guest of lxc:///");
            Assert.That(onQemu.Single(guest => (string?)guest!["name"] == name)!["status"]!.GetValue<string>(), Is.EqualTo("stopped"));
            Assert.That(start.ExitCode, Is.EqualTo(1), start.ToString());
            Assert.That(start.Error, Does.Contain($"guest '{name}' has its domain on qemu:///system, not on lxc:///; leave out -c, or give -c qemu:///system"));
            Assert.That(Host.Ok("list", "--json").Out, Does.Contain("\"stopped\""), "not started");
            Assert.That((unreachable.ExitCode, unreachable.Out), Is.EqualTo((1, "")), "a URI that cannot be reached fails the listing: " + unreachable);
        }
    }

    [Test]
    public void Create_with_the_originals_type_option_defines_a_guest_of_that_type_and_refuses_the_other_defining_nothing()
    {
        var name = MiniguestHost.UniqueName("type");
        Host.Ok("install", "-n", name, Vm);

        var refused = Host.Run("create", name, "-t", "lxc");
        var definedAfterRefusal = File.Exists(Host.Paths.ConnectionUriFile(GuestName.Parse(name)));
        var created = Host.Run("create", name, "-t", "libvirt", "--virt-type", "qemu", "--memory", "64");

        using (Assert.EnterMultipleScope())
        {
            Assert.That((refused.ExitCode, refused.ErrorLines.Count), Is.EqualTo((1, 1)), refused.ToString());
            Assert.That(refused.Error, Does.Contain($"'{name}' is a VM, not a container as -t says"));
            Assert.That(definedAfterRefusal, Is.False, "nothing recorded, nothing defined");
            Assert.That(created.ExitCode, Is.Zero, created.ToString());
            Assert.That(created.Out, Does.Contain($"defined '{name}' on qemu:///system"));
        }
    }

    [Test]
    public void Install_upgrade_and_remove_leave_nothing_in_the_temporary_directory()
    {
        var temporary = Directory.CreateTempSubdirectory("miniguest-test-tmp-").FullName;
        try
        {
            Host.Environment["TMPDIR"] = temporary;
            var name = MiniguestHost.UniqueName("tmp");
            Host.Ok("install", "-n", name, Vm);
            Host.Ok("install", "--force", "-n", name, Vm);
            Host.Ok("upgrade", name);
            Host.Ok("remove", name);

            // Nix 2.8's `nix profile` leaves its build directory (nix-PID-N) in TMPDIR at every run.
            Assert.That(Directory.EnumerateFileSystemEntries(temporary), Is.Empty);
        }
        finally
        {
            Host.Environment.Remove("TMPDIR");
            Directory.Delete(temporary, recursive: true);
        }
    }

    [Test]
    public void Remove_keeping_the_domain_warns_that_its_generation_stays_rooted_until_a_purge()
    {
        var name = MiniguestHost.UniqueName("keep");
        var guest = GuestName.Parse(name);
        Host.Ok("install", "-n", name, Vm);
        Host.Ok("create", name, "--virt-type", "qemu", "--memory", "64");
        using var connection = Miniguest.Libvirt.Connection.Open("qemu:///system");
        using var domain = connection.GetDomain(name);
        try
        {
            var removed = Host.Ok("remove", "--keep-domain", name);
            var rootKept = new FileInfo(Path.Combine(Host.Paths.GenerationRoots(guest), GuestRoots.Defined)).LinkTarget;
            var purged = Host.Ok("remove", "--purge", name);

            using (Assert.EnterMultipleScope())
            {
                Assert.That(removed.Out.Trim(), Is.EqualTo($"removed '{name}'"));
                Assert.That(removed.ErrorLines, Has.One.StartsWith($"miniguest: warning: the domain of '{name}' is kept, no longer Miniguest's; "
                    + $"the generation it boots stays rooted in {Host.Paths.GenerationRoots(guest)} until remove --purge {name}"));
                Assert.That(connection.TryGetDomain(name, out var kept) && kept.Uuid == domain.Uuid, Is.True, "the domain is kept");
                Assert.That(rootKept, Does.StartWith("/nix/store/"), "the generation it boots is rooted");
                Assert.That(purged.Out.Trim(), Is.EqualTo($"purged the data '{name}' left"));
                Assert.That(Directory.Exists(Host.Paths.GuestState(guest)), Is.False, "the purge takes the root");
            }
        }
        finally
        {
            domain.Undefine();
        }
    }

    [Test]
    public void Remove_leaves_no_link_and_no_profile()
    {
        Host.Ok("install", Vm);
        Host.Ok("remove", "vm");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(new FileInfo(Host.Paths.Link(VmName)).LinkTarget, Is.Null);
            Assert.That(Directory.GetFileSystemEntries(Host.Paths.Profiles), Is.Empty);
        }
    }

    [TestCase("upgrade", new[] { "vm", "vm-1-link" })]
    [TestCase("remove", new string[0])]
    public void What_a_killed_command_left_behind_goes_with_the_next_command_on_the_guest(string command, string[] remaining)
    {
        Host.Ok("install", Vm);
        var storePath = Directory.ResolveLinkTarget(Host.Paths.Link(VmName), returnFinalTarget: true)!.FullName;
        // A staging profile, and the temporary link of a nix killed while it switched the guest's profile.
        File.CreateSymbolicLink(Path.Combine(Host.Paths.Profiles, ".staging-vm-1-link"), storePath);
        File.CreateSymbolicLink(Path.Combine(Host.Paths.Profiles, ".staging-vm"), ".staging-vm-1-link");
        File.CreateSymbolicLink(Path.Combine(Host.Paths.Profiles, ".7_vm"), storePath);

        Host.Ok(command, "vm"); // the upgrade has nothing to build

        Assert.That(Directory.GetFileSystemEntries(Host.Paths.Profiles).Select(Path.GetFileName), Is.EquivalentTo(remaining));
    }

    [Test]
    public void A_path_at_the_link_that_miniguest_did_not_make_is_never_touched()
    {
        Directory.CreateDirectory(Host.Paths.Guests);
        File.WriteAllText(Host.Paths.Link(VmName), "someone else's file");

        var result = Host.Run("install", "--force", Vm);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.ExitCode, Is.EqualTo(1));
            Assert.That(result.Error, Does.Contain("refusing to touch it"));
            Assert.That(File.ReadAllText(Host.Paths.Link(VmName)), Is.EqualTo("someone else's file"));
            Assert.That(Directory.Exists(Host.Paths.Profiles) ? Directory.GetFileSystemEntries(Host.Paths.Profiles) : [], Is.Empty);
        }
    }
}
