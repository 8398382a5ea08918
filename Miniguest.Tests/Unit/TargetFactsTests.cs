using System.Text;
using Miniguest.Core;

namespace Miniguest.Tests.Unit;

/// <summary>What another host says of a guest, read as the describe command prints it: every path as the target resolved
/// it, taken only inside the store, and no text of the guest's able to pass for a line of the command's own.</summary>
public sealed class TargetFactsTests
{
    private static readonly GuestName Web = GuestName.Parse("web");
    private const string Top = "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-profile";
    private const string Config = """{"enable":true,"guestType":"qemu","qemu":{"fsType":"9p"}}""";

    [Test]
    public void A_vm_is_read_from_the_files_as_the_target_resolved_them()
    {
        var facts = TargetFacts.Parse(Web, "web1", Output(VmFiles()), pathCount: 0);

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
        }
    }

    [Test]
    public void A_kernel_that_leads_out_of_the_store_there_is_refused()
    {
        var files = VmFiles();
        files[3] = File("kernel", "f", "/etc/shadow");

        var refused = Assert.Throws<GuestFileException>(() => TargetFacts.Parse(Web, "web1", Output(files), pathCount: 0));

        Assert.That(refused!.Message, Does.Contain("/etc/shadow").And.Contain("outside the Nix store"));
    }

    [Test]
    public void A_file_name_with_a_newline_cannot_pass_for_a_line_of_the_command()
    {
        var files = VmFiles();
        // A link in the build output to a file whose name holds a line of the command's own: encoded, it stays a name.
        files[3] = File("kernel", "f", "/nix/store/kkkk-linux/x\nuserns\t0\nkernel");

        var facts = TargetFacts.Parse(Web, "web1", Output(files), pathCount: 0);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(facts.System!.Kernel, Is.EqualTo("/nix/store/kkkk-linux/x\nuserns\t0\nkernel"));
            Assert.That(facts.UserNamespaces, Is.True);
        }
    }

    [Test]
    public void A_guest_not_installed_there_has_no_system_and_a_host_without_libvirtd_no_mounts()
    {
        var facts = TargetFacts.Parse(Web, "web1", "path\t0\td\t" + Encode("/srv/data") + "\n", pathCount: 2);

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
    public void Output_that_is_not_the_commands_is_refused_with_the_hosts_name()
    {
        var refused = Assert.Throws<RemoteHostException>(() => TargetFacts.Parse(Web, "web1", "top\tnot base64!\n", pathCount: 0));

        Assert.That(refused!.Message, Does.StartWith("web1: "));
    }

    private static List<string> VmFiles() =>
    [
        File("miniguest-config.json", "f", "/nix/store/cccc-config/miniguest-config.json"),
        File("boot", "d", "/nix/store/bbbb-boot"),
        File("boot/init", "f", "/nix/store/bbbb-boot/init"),
        File("kernel", "f", "/nix/store/kkkk-linux/bzImage"),
        File("initrd", "f", "/nix/store/iiii-initrd/initrd"),
        File("kernel-params", "f", "/nix/store/pppp-params"),
        "content\tminiguest-config.json\t" + Encode(Config),
        "content\tkernel-params\t" + Encode("console=ttyS0\n"),
    ];

    private static string Output(IEnumerable<string> files) =>
        string.Join('\n', new[] { "generation\tweb-3-link", "top\t" + Encode(Top) }
            .Concat(files)
            .Append("userns\t63000")
            .Append("mounts\t" + Encode("libvirtd (pid 42)") + "\t" + Encode("22 1 0:21 / /nix/store rw,relatime - ext4 /dev/sda1 rw\n"))) + "\n";

    private static string File(string name, string kind, string real) => $"file\t{name}\t{kind}\t{Encode(real)}";

    private static string Encode(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
