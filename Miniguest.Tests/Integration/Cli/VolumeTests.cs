using System.Text.Json;
using System.Text.RegularExpressions;
using Miniguest.Core;

namespace Miniguest.Tests.Integration.Cli;

/// <summary>
/// Volumes on the real stack: the test guest's <c>vm-volume</c> formats its blank virtio disk (found by its serial) on its
/// first boot and counts its boots there. The count goes on through an upgrade that grows the volume (its file system grows
/// with it), <c>install --force</c>, and a remove and reinstall; only <c>remove --purge</c> starts it again. The
/// image stays sparse, a qcow2 header written into it is never read as one, and an image swapped for a link is refused.
/// <c>container-volume</c> counts its boots in its volume's directory, bound at its mount point, in the same way.
/// </summary>
[TestFixture, Category(TestCategories.Integration), Parallelizable]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class VolumeTests : EditableFlakeFixture
{
    private const string Variant = "vm-volume";
    private const string ContainerVariant = "container-volume";

    [Test]
    public void A_volume_outlives_restarts_upgrades_and_a_reinstall_grows_with_its_size_and_only_a_purge_deletes_it()
    {
        var name = MiniguestHost.UniqueName("vm");
        var guest = GuestName.Parse(name);
        var image = Host.Paths.VolumeImage(guest, "data");
        Install(name);

        var first = Boot(name);
        var listed = JsonDocument.Parse(Host.Ok("list", "--json").Out).RootElement.EnumerateArray()
            .Single(entry => entry.GetProperty("name").GetString() == name).GetProperty("volumes")[0];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.Boots, Is.EqualTo(1), "the guest formatted its blank volume");
            Assert.That(listed.GetProperty("file").GetString(), Is.EqualTo(image));
            Assert.That(listed.GetProperty("apparentBytes").GetInt64(), Is.EqualTo(64L << 20));
            Assert.That(listed.GetProperty("allocatedBytes").GetInt64(), Is.LessThan(32L << 20), "the image stays sparse");
            Assert.That(Convert.ToString((int)File.GetUnixFileMode(image), 8), Is.EqualTo("600"));
            Assert.That(Convert.ToString((int)File.GetUnixFileMode(Host.Paths.GuestVolumes(guest)), 8), Is.EqualTo("700"));
        }

        // An upgrade that declares a larger volume grows the image, and the guest's file system with it; install --force
        // keeps it as it is. (A boot after each only repeats the one after both: the image is the same file throughout.)
        File.WriteAllText(Path.Combine(Flake, "flake.nix"), File.ReadAllText(Path.Combine(Flake, "flake.nix")).Replace("sizeMiB = 64;", "sizeMiB = 96;", StringComparison.Ordinal));
        Host.Ok("upgrade", name);
        var grownImage = new FileInfo(image).Length;
        Host.Ok("install", "--force", "-n", name, $"path:{Flake}#{Variant}");
        var grown = Boot(name);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(grown.Boots, Is.EqualTo(2), "started again after an upgrade and install --force");
            Assert.That(grownImage, Is.EqualTo(96L << 20), "the upgrade grew the image");
            Assert.That(new FileInfo(image).Length, Is.EqualTo(96L << 20), "install --force kept it");
            Assert.That(grown.FileSystemKiB, Is.GreaterThan(first.FileSystemKiB + 24 * 1024), "the guest's file system grew with it");
        }

        var removed = Host.Ok("remove", name);
        Assert.That(removed.Out, Does.Contain(Host.Paths.GuestVolumes(guest)), "remove says where the volume stays");
        // What a guest could write into its raw disk: a qcow2 header naming a host file as its backing file, before the ext4
        // superblock (byte 1024), so the file system stays whole. QEMU, told the format, never reads it as one.
        WriteQcow2Header(image, backingFile: "/etc/shadow");
        Install(name);
        var reinstalled = Boot(name);
        Assert.That(reinstalled.Boots, Is.EqualTo(3), "a reinstalled guest finds its volume, read raw whatever it holds");

        // An image swapped for a link after it was made is refused at start, and the link's target is left alone.
        var target = Path.Combine(Path.GetTempPath(), name + "-target.img");
        File.Move(image, target);
        File.CreateSymbolicLink(image, target);
        var refused = Host.Run("start", name);
        File.Delete(image);
        File.Move(target, image);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(refused.ExitCode, Is.Not.Zero);
            Assert.That(refused.Error, Does.Contain("a symbolic link, where a file should be; not following it"));
            Assert.That(refused.Error.TrimEnd().Split('\n'), Has.Length.EqualTo(1), "in one line");
        }

        Host.Ok("remove", name, "--purge");
        Assert.That(Directory.Exists(Host.Paths.GuestVolumes(guest)), Is.False, "the purge deletes the volume");
        Install(name);
        Assert.That(Boot(name).Boots, Is.EqualTo(1), "after a purge the guest starts afresh");
        Host.Ok("remove", name, "--purge");
    }

    [Test]
    public void A_containers_volume_is_a_directory_of_its_root_that_outlives_restarts_and_install_force_and_only_a_purge_deletes_it()
    {
        var name = MiniguestHost.UniqueName("ct");
        var guest = GuestName.Parse(name);
        var directory = Host.Paths.VolumeDirectory(guest, "data");
        Host.Ok("install", "-n", name, $"path:{Flake}#{ContainerVariant}");
        var created = Host.Ok("create", name);

        var first = Boot(name, container: true);
        // The host id of the container's root, as the container sees its own map.
        var mappedRoot = UidMapLine().Match(first.Said).Groups[1].Value;
        var listed = JsonDocument.Parse(Host.Ok("list", "--json").Out).RootElement.EnumerateArray()
            .Single(entry => entry.GetProperty("name").GetString() == name).GetProperty("volumes")[0];
        var owners = $"{FileStatus.OfEntry(directory)?.Uid} {FileStatus.OfEntry(Host.Paths.GuestVolumes(guest))?.Uid}";
        using (Assert.EnterMultipleScope())
        {
            Assert.That(created.Out, Does.Contain($"  volume 'data' at /var/lib/data: {directory}\n"), "create says what the guest gets of the host");
            Assert.That(first.Boots, Is.EqualTo(1));
            Assert.That(File.ReadAllText(Path.Combine(directory, "boots")).Trim(), Is.EqualTo("1"), "the directory is bound at the volume's mount point");
            Assert.That(owners, Is.EqualTo($"{mappedRoot} {mappedRoot}"), "the directory and the one above it are the container's root's");
            Assert.That(Convert.ToString((int)File.GetUnixFileMode(Host.Paths.GuestVolumes(guest)), 8), Is.EqualTo("700"));
            Assert.That((listed.GetProperty("file").GetString(), listed.GetProperty("apparentBytes").ValueKind), Is.EqualTo((directory, JsonValueKind.Null)),
                "list --json gives the directory, which has no image's size");
        }

        Assert.That(Boot(name, container: true).Boots, Is.EqualTo(2), "started again");
        Host.Ok("install", "--force", "-n", name, $"path:{Flake}#{ContainerVariant}");
        Assert.That(Boot(name, container: true).Boots, Is.EqualTo(3), "after install --force");

        var removed = Host.Ok("remove", name);
        var kept = File.ReadAllText(Path.Combine(directory, "boots")).Trim();
        Host.Ok("remove", name, "--purge");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(removed.Out, Does.Contain(Host.Paths.GuestVolumes(guest)), "remove says where the volume stays");
            Assert.That(kept, Is.EqualTo("3"), "remove keeps it");
            Assert.That(Directory.Exists(Host.Paths.GuestVolumes(guest)), Is.False, "the purge deletes it");
        }
    }

    private void Install(string name)
    {
        Host.Ok("install", "-n", name, $"path:{Flake}#{Variant}");
        var created = Host.Ok("create", name, "--virt-type", "qemu", "--memory", "256");
        Assert.That(created.Out, Does.Contain($"  volume 'data' at /var/lib/data: {Host.Paths.VolumeImage(GuestName.Parse(name), "data")}"),
            "create says what the guest gets of the host");
    }

    // Boots the guest to its end (it powers off) and reads what it said of its volume.
    private (int Boots, long FileSystemKiB) Boot(string name)
    {
        var (boots, size, _) = Boot(name, container: false);
        return (boots, size);
    }

    // As Boot, from the report a container keeps in its root where it finished before its console was attached.
    private (int Boots, long FileSystemKiB, string Said) Boot(string name, bool container)
    {
        var said = Host.Ok("start", name, "--console").Out;
        if (container && !BootsLine().IsMatch(said))
        {
            said = File.ReadAllText(Path.Combine(Host.Paths.ContainerRoot(GuestName.Parse(name)), "miniguest-test-report"));
        }
        var boots = BootsLine().Matches(said);
        var size = SizeLine().Matches(said);
        Assert.That(boots, Is.Not.Empty, $"the guest said no count: {said}");
        Assert.That(size, Is.Not.Empty, $"the guest said no size: {said}");
        return (int.Parse(boots[^1].Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
            long.Parse(size[^1].Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), said);
    }

    // A qcow2 version 2 header (magic, version, backing file offset and length) at the image's start.
    private static void WriteQcow2Header(string image, string backingFile)
    {
        var header = new byte[512];
        new byte[] { (byte)'Q', (byte)'F', (byte)'I', 0xfb }.CopyTo(header, 0);
        header[7] = 2;
        header[15] = 200; // the backing file's name at byte 200
        header[19] = (byte)backingFile.Length;
        System.Text.Encoding.ASCII.GetBytes(backingFile).CopyTo(header, 200);
        using var file = File.OpenHandle(image, FileMode.Open, FileAccess.Write);
        RandomAccess.Write(file, header, fileOffset: 0);
    }

    [GeneratedRegex(@"miniguest-test-guest: boots=(\d+)")]
    private static partial Regex BootsLine();

    [GeneratedRegex(@"miniguest-test-guest: data-kib=(\d+)")]
    private static partial Regex SizeLine();

    [GeneratedRegex(@"miniguest-test-guest: uid_map=0 (\d+) ")]
    private static partial Regex UidMapLine();
}
