using System.Text;
using System.Text.Json;
using Miniguest.Core;

namespace Miniguest.Tests.Unit;

/// <summary>What another host's agent says of a guest, read as this host reads it: every path as the target resolved it,
/// taken only inside the store, and nothing of the guest's able to pass for something else.</summary>
public sealed class TargetFactsTests
{
    private static readonly GuestName Web = GuestName.Parse("web");
    private const string Top = "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-profile";
    private const string Config = """{"enable":true,"guestType":"qemu","qemu":{"fsType":"9p"}}""";

    [Test]
    public void A_vm_is_read_from_the_files_as_the_target_resolved_them_through_the_protocols_json()
    {
        var json = JsonSerializer.Serialize(Vm(VmFiles()), AgentJsonContext.Default.HostDescription);

        var facts = TargetFacts.From(Web, "web1", JsonSerializer.Deserialize(json, AgentJsonContext.Default.HostDescription)!, pathCount: 0);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(facts.Generation, Is.EqualTo(3));
            Assert.That(facts.System!.Directory, Is.EqualTo(Top));
            Assert.That(facts.System.Kernel, Is.EqualTo("/nix/store/kkkk-linux/bzImage"));
            Assert.That(facts.System.KernelParams, Is.EqualTo("console=ttyS0"));
            Assert.That(facts.System.BootDirectory, Is.EqualTo("/nix/store/bbbb-boot"));
            Assert.That(facts.UserNamespaces, Is.True);
            Assert.That(facts.Mounts.Owner, Is.EqualTo("libvirtd (pid 42) on web1"));
            Assert.That(facts.Mounts.Entries, Has.Count.EqualTo(1));
            Assert.That(facts.IdRanges, Is.EqualTo(new Dictionary<string, uint> { ["db"] = 655360 }));
            Assert.That(facts.Credentials, Is.EqualTo(new[] { "web-key" }), "its credentials' IDs, none that is not an ID");
        }
    }

    [Test]
    public void A_kernel_that_leads_out_of_the_store_there_is_refused()
    {
        var files = VmFiles();
        files["kernel"] = new GuestSystem.ResolvedFile("/etc/shadow", false);

        var refused = Assert.Throws<GuestFileException>(() => TargetFacts.From(Web, "web1", Vm(files), pathCount: 0));

        Assert.That(refused!.Message, Does.Contain("/etc/shadow").And.Contain("outside the Nix store"));
    }

    [Test]
    public void A_file_the_target_names_that_is_not_one_of_the_build_outputs_is_ignored()
    {
        var files = VmFiles();
        files["../../etc/shadow"] = new GuestSystem.ResolvedFile("/etc/shadow", false);

        var facts = TargetFacts.From(Web, "web1", Vm(files), pathCount: 0);

        Assert.That(facts.System!.Kernel, Is.EqualTo("/nix/store/kkkk-linux/bzImage"));
    }

    [Test]
    public void A_guest_not_installed_there_has_no_system_and_a_host_without_libvirtd_no_mounts()
    {
        var description = new HostDescription(null, null, new Dictionary<string, GuestSystem.ResolvedFile>(), new Dictionary<string, byte[]>(),
            [new GuestSystem.ResolvedFile("/srv/data", true), null], new Dictionary<string, string>(), false, [], null, null);

        var facts = TargetFacts.From(Web, "web1", description, pathCount: 2);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(facts.System, Is.Null);
            Assert.That(facts.Generation, Is.Null);
            Assert.That(facts.Paths, Is.EqualTo(new GuestSystem.ResolvedFile?[] { new("/srv/data", true), null }));
            Assert.That(facts.UserNamespaces, Is.False);
            Assert.That(facts.Mounts.Entries, Is.Empty);
            Assert.That(facts.Mounts.Owner, Does.Contain("web1").And.Contain("none was found"));
        }
    }

    [Test]
    public void A_description_of_another_number_of_paths_than_asked_is_refused_with_the_hosts_name()
    {
        var refused = Assert.Throws<RemoteHostException>(() => TargetFacts.From(Web, "web1", Vm(VmFiles()), pathCount: 1));

        Assert.That(refused!.Message, Does.StartWith("web1: "));
    }

    [Test]
    public void An_id_range_record_that_is_not_a_range_is_refused()
    {
        var description = Vm(VmFiles()) with { IdRanges = new Dictionary<string, string> { ["db"] = "0" } };

        Assert.Throws<GuestStateException>(() => TargetFacts.From(Web, "web1", description, pathCount: 0));
    }

    private static Dictionary<string, GuestSystem.ResolvedFile> VmFiles() => new()
    {
        ["miniguest-config.json"] = new("/nix/store/cccc-config/miniguest-config.json", false),
        ["boot"] = new("/nix/store/bbbb-boot", true),
        ["boot/init"] = new("/nix/store/bbbb-boot/init", false),
        ["kernel"] = new("/nix/store/kkkk-linux/bzImage", false),
        ["initrd"] = new("/nix/store/iiii-initrd/initrd", false),
        ["kernel-params"] = new("/nix/store/pppp-params", false),
    };

    private static HostDescription Vm(Dictionary<string, GuestSystem.ResolvedFile> files) =>
        new("web-3-link", Top, files,
            new Dictionary<string, byte[]>
            {
                ["miniguest-config.json"] = Encoding.UTF8.GetBytes(Config),
                ["kernel-params"] = Encoding.UTF8.GetBytes("console=ttyS0\n"),
            },
            [], new Dictionary<string, string> { ["db"] = "655360\n" }, true, ["web-key", "../escape", "web-key"], "libvirtd (pid 42)",
            "22 1 0:21 / /nix/store rw,relatime - ext4 /dev/sda1 rw\n");
}
