using Miniguest.Core;

namespace Miniguest.Tests.Integration.Cli;

/// <summary>Bad input gives one clear line on standard error, a non-zero exit, and leaves nothing behind.</summary>
[TestFixture, Category(TestCategories.Integration), Parallelizable]
public sealed class BadInputTests : HostFixture
{

    [Test]
    public void A_missing_flake_is_one_clear_line()
    {
        var result = Host.Run("install", "path:/nonexistent/flake#vm");
        AssertCleanFailure(result);
        Assert.That(result.Error, Does.Contain("/nonexistent/flake"));
    }

    [Test]
    public void A_build_that_fails_is_nixs_whole_error_and_leaves_nothing_behind()
    {
        var flake = TestGuestFlake.CopyForEditing();
        try
        {
            // A busybox applet that does not exist makes the init's build fail.
            var nix = Path.Combine(flake, "flake.nix");
            File.WriteAllText(nix, File.ReadAllText(nix).Replace("chmod 555 \"$out\"", "chmod 555 \"$out\"; no-such-command"));
            var result = Host.Run("install", "-q", $"path:{flake}#vm");
            using (Assert.EnterMultipleScope())
            {
                Assert.That(result.ExitCode, Is.EqualTo(1));
                Assert.That(result.ErrorLines[0], Does.StartWith("miniguest: error: nix profile install: builder for '/nix/store/"), "-q: nothing before the error");
                Assert.That(result.Error, Does.Contain("no-such-command").And.Not.Contain("   at "), "the build's log, no stack trace");
                Assert.That(Host.Snapshot().Where(e => !e.StartsWith("state", StringComparison.Ordinal) && e != "profiles"), Is.Empty,
                    "nothing left behind");
            }
        }
        finally
        {
            Directory.Delete(flake, recursive: true);
        }
    }

    [Test]
    public void A_corrupt_guest_config_is_an_error_naming_the_file()
    {
        // A guest whose build output holds a broken miniguest-config.json (no build makes one: add it to the store).
        var staging = Directory.CreateDirectory(Path.Combine(Host.Root, "fake-output")).FullName;
        File.WriteAllText(Path.Combine(staging, "miniguest-config.json"), "{ not json");
        File.WriteAllText(Path.Combine(staging, "manifest.json"),
            """{"version":2,"elements":[{"active":true,"attrPath":"x","originalUrl":"path:/x","url":"path:/x","storePaths":[]}]}""");
        var output = NixStoreCommand.Add(staging);
        Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(Host.Paths.Profiles);
        Directory.CreateDirectory(Host.Paths.Guests);
        File.CreateSymbolicLink(Path.Combine(Host.Paths.Profiles, "broken-1-link"), output);
        File.CreateSymbolicLink(Host.Paths.Profile(GuestName.Parse("broken")), "broken-1-link");
        File.CreateSymbolicLink(Host.Paths.Link(GuestName.Parse("broken")), Host.Paths.Profile(GuestName.Parse("broken")));
        var before = Host.Snapshot();

        var result = Host.Run("create", "broken", "--virt-type", "qemu");

        AssertOneLineFailure(result);
        Assert.That(result.Error, Does.Contain("miniguest-config.json").And.Contain("not valid JSON"));
        Assert.That(Host.Snapshot(), Is.EqualTo(before));
        Assert.That(Host.Ok("list").Out, Does.Contain("broken"), "list still shows the guest, as broken");
    }

    [Test]
    public void An_unreachable_libvirt_is_one_clear_line()
    {
        Host.Ok("install", TestGuestFlake.Reference + "#vm");
        var before = Host.Snapshot();

        var result = Host.Run("create", "vm", "-c", "qemu+unix:///system?socket=/nonexistent/libvirt-sock");

        AssertOneLineFailure(result);
        Assert.That(result.Error, Does.Contain("/nonexistent/libvirt-sock"));
        Assert.That(Host.Snapshot(), Is.EqualTo(before));
    }

    [Test]
    public void A_domain_of_the_same_name_without_our_metadata_is_never_touched()
    {
        var name = MiniguestHost.UniqueName("foreign");
        using var connection = Miniguest.Libvirt.Connection.Open("qemu:///system");
        using var foreign = connection.DefineDomain(
            $"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory><os><type arch='x86_64' machine='pc'>hvm</type></os></domain>");
        try
        {
            Host.Ok("install", "-n", name, TestGuestFlake.Reference + "#vm");
            var before = foreign.GetXml(Miniguest.Libvirt.DomainXmlFlags.Inactive);

            foreach (var command in new[] { new[] { "create", name }, ["start", name], ["stop", "--force", name] })
            {
                var result = Host.Run(command);
                AssertOneLineFailure(result);
                Assert.That(result.Error, Does.Contain("not defined by Miniguest"));
            }
            // Removing the guest removes Miniguest's files; the domain, never Miniguest's, stays as it was.
            Host.Ok("remove", "--force", name);
            Assert.That(foreign.GetXml(Miniguest.Libvirt.DomainXmlFlags.Inactive), Is.EqualTo(before));
        }
        finally
        {
            foreign.Undefine();
        }
    }

    [Test]
    public void A_domain_put_in_place_of_the_guests_own_is_listed_as_foreign()
    {
        var name = MiniguestHost.UniqueName("swapped");
        Host.Ok("install", "-n", name, TestGuestFlake.Reference + "#vm");
        Host.Ok("create", name, "--virt-type", "qemu", "--memory", "64");
        Assert.That(ListedStatus(name), Is.EqualTo("stopped"), "the domain Miniguest defined");

        // Miniguest recorded the UUID of the domain it defined; the newcomer has another.
        using var connection = Miniguest.Libvirt.Connection.Open("qemu:///system");
        using (var own = connection.GetDomain(name))
        {
            own.Undefine();
        }
        using var foreign = connection.DefineDomain(
            $"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory><os><type arch='x86_64' machine='pc'>hvm</type></os></domain>");
        try
        {
            Assert.That(ListedStatus(name), Is.EqualTo("foreign"), "the table");
            using var json = System.Text.Json.JsonDocument.Parse(Host.Ok("list", "--json").Out);
            Assert.That(json.RootElement.EnumerateArray().Single(g => g.GetProperty("name").GetString() == name)
                .GetProperty("status").GetString(), Is.EqualTo("foreign"), "list --json");
        }
        finally
        {
            foreign.Undefine();
        }
    }

    // The STATUS column of the guest's row in the table list prints.
    private string? ListedStatus(string name)
    {
        using var listed = System.Text.Json.JsonDocument.Parse(Host.Ok("list", "--json").Out);
        return listed.RootElement.EnumerateArray().Single(guest => guest.GetProperty("name").GetString() == name).GetProperty("status").GetString();
    }

    [TestCase("instal", "install")]
    [TestCase("lsit", "list")]
    [TestCase("upgarde", "upgrade")]
    public void A_mistyped_command_is_a_usage_error_that_names_the_command_meant(string typed, string meant)
    {
        var result = Host.Run(typed, "x");

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.ErrorLines[0], Does.EndWith($"Did you mean '{meant}'?"));
    }

    [Test]
    public void A_word_near_no_command_gets_no_suggestion() =>
        Assert.That(Host.Run("frobnicate").Error, Does.Not.Contain("Did you mean"));

    [Test]
    public void Usage_errors_exit_with_2()
    {
        Assert.That(Host.Run("no-such-command").ExitCode, Is.EqualTo(2));
        Assert.That(Host.Run("install").ExitCode, Is.EqualTo(2));
        Assert.That(Host.Run("create", "x", "--virt-type", "xen").ExitCode, Is.EqualTo(2));
        Assert.That(Host.Run("upgrade").ExitCode, Is.EqualTo(2), "neither NAME nor --all");
    }

    private void AssertCleanFailure(CommandResult result)
    {
        AssertOneLineFailure(result);
        Assert.That(Host.Snapshot().Where(e => !e.StartsWith("state", StringComparison.Ordinal) && e != "profiles"), Is.Empty,
            "nothing left behind");
    }

    [Test]
    public void A_second_install_and_a_start_without_a_domain_say_what_is_wrong_and_how_to_go_on()
    {
        var name = MiniguestHost.UniqueName("hint");
        Host.Ok("install", "-n", name, TestGuestFlake.Reference + "#vm");

        var again = Host.Run("install", "-n", name, TestGuestFlake.Reference + "#vm");
        var start = Host.Run("start", name);

        AssertOneLineFailure(again);
        AssertOneLineFailure(start);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(again.Error, Does.Contain($"guest '{name}' is already installed; use --force to replace it"));
            Assert.That(start.Error, Does.Contain($"guest '{name}' has no domain; define it with: miniguest create {name}"));
        }
    }

    [Test]
    public void A_nix_that_cannot_be_run_is_one_clear_line_and_no_internal_error()
    {
        Host.Environment["MINIGUEST_NIX"] = Path.Combine(Host.Root, "no-nix-here");

        var result = Host.Run("install", "-n", MiniguestHost.UniqueName("nonix"), TestGuestFlake.Reference + "#vm");

        AssertOneLineFailure(result);
        Assert.That(result.Error, Does.Contain("cannot run Nix").And.Contain("No such file or directory").And.Not.Contain("internal error"));
    }

    [Test]
    public void A_libvirt_library_that_cannot_be_loaded_is_one_clear_line_and_no_internal_error()
    {
        Host.Environment["MINIGUEST_LIBVIRT_LIBRARY"] = Path.Combine(Host.Root, "libvirt.so.0");

        var result = Host.Run("-c", "qemu:///system", "list");

        AssertOneLineFailure(result);
        Assert.That(result.Error, Does.Contain("cannot load libvirt's client library").And.Not.Contain("internal error"));
    }

    [TestCase("container", new[] { "--virt-type", "qemu" }, "a virtualisation type (kvm or qemu) applies to VMs only")]
    [TestCase("container", new[] { "--free-page-reporting" }, "free page reporting applies to VMs only")]
    [TestCase("container", new[] { "--bridge", "mgtnobr0" }, "there is no bridge 'mgtnobr0' on this host")]
    [TestCase("vm", new[] { "--network", "mgt-no-such-network" }, "there is no libvirt network 'mgt-no-such-network' on qemu:///system")]
    [TestCase("vm", new[] { "--memory", "1073741824" }, "1073741824 MiB of memory is more than the host has")]
    public void Create_refuses_settings_that_fit_neither_the_guest_nor_the_host_and_defines_nothing(string variant, string[] settings, string error)
    {
        Host.Ok("install", TestGuestFlake.Reference + "#" + variant);

        var result = Host.Run(["create", variant, .. settings]);

        AssertOneLineFailure(result);
        Assert.That(result.Error, Does.Contain(error));
        Assert.That(Directory.Exists(Path.Combine(Host.Paths.GuestState(GuestName.Parse(variant)), "domain")) || File.Exists(Host.Paths.DomainUuidFile(GuestName.Parse(variant))),
            Is.False, "no domain recorded");
    }

    [Test]
    public void A_uri_given_to_list_is_checked_even_with_no_guest_installed()
    {
        var result = Host.Run("-c", "not a uri", "list");

        AssertOneLineFailure(result);
        Assert.That(result.Error, Does.Contain("not a uri"));
    }

    private static void AssertOneLineFailure(CommandResult result)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.ExitCode, Is.EqualTo(1));
            Assert.That(result.ErrorLines, Has.Count.EqualTo(1), "one line on stderr");
            Assert.That(result.Error, Does.Not.Contain("   at "), "no stack trace");
        }
    }
}
