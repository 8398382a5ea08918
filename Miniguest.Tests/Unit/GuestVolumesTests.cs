using Miniguest.Core;

namespace Miniguest.Tests.Unit;

/// <summary>The guests' volumes on the host: sparse images made exclusively, grown and never shrunk or replaced, and
/// refused at start once they are not as Miniguest made them; a container's directories likewise.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class GuestVolumesTests
{
    private static readonly GuestName Vm = GuestName.Parse("vm");
    private static readonly GuestVolume Data = new("data", "/var/lib/data", 64, "ext4");
    private string _root = "";
    private MiniguestPaths _paths = null!;

    [SetUp]
    public void CreateLayout()
    {
        // In CI, which runs as root, a failure; elsewhere inconclusive.
        Integration.IntegrationEnvironment.RequireHost(Environment.UserName == "root", "the volumes are root's");
        _root = Directory.CreateTempSubdirectory("miniguest-volumes-").FullName;
        _paths = new MiniguestPaths { State = Path.Combine(_root, "state"), Guests = Path.Combine(_root, "guests"), Profiles = Path.Combine(_root, "profiles") };
    }

    [TearDown]
    public void DeleteLayout() => Directory.Delete(_root, recursive: true);

    private static DomainVolumes Disks(params VolumeDisk[] disks) => new(disks, [], null);

    private VolumeDisk DataDisk => new(_paths.VolumeImage(Vm, "data"), "data");

    [Test]
    public void An_image_is_made_sparse_and_root_only_then_grown_and_never_shrunk_or_replaced()
    {
        GuestVolumes.Prepare(_paths, Vm, GuestType.Qemu, [Data], ids: null);
        var image = _paths.VolumeImage(Vm, "data");
        File.WriteAllText(image, "kept");
        GuestVolumes.Prepare(_paths, Vm, GuestType.Qemu, [Data with { SizeMiB = 128 }], ids: null);
        var grown = new FileInfo(image).Length;
        GuestVolumes.Prepare(_paths, Vm, GuestType.Qemu, [Data with { SizeMiB = 16 }], ids: null);
        var status = FileStatus.OfEntry(image)!.Value;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(File.GetUnixFileMode(_paths.GuestVolumes(Vm)), Is.EqualTo((UnixFileMode)0b111_000_000), "0700");
            Assert.That(File.GetUnixFileMode(image), Is.EqualTo((UnixFileMode)0b110_000_000), "0600");
            Assert.That(grown, Is.EqualTo(128L * 1024 * 1024));
            Assert.That(status.Size, Is.EqualTo(128UL * 1024 * 1024), "never shrunk");
            Assert.That(status.AllocatedBytes, Is.LessThan(1024UL * 1024), "sparse");
            Assert.That(File.ReadAllText(image)[..4], Is.EqualTo("kept"), "the same file, never replaced");
            Assert.DoesNotThrow(() => GuestVolumes.CheckAtStart(_paths, Vm, Disks(DataDisk)));
        }
    }

    [Test]
    public void A_size_the_host_cannot_hold_is_refused_in_one_line_and_leaves_no_image()
    {
        var error = Assert.Throws<GuestStateException>(() =>
            GuestVolumes.Prepare(_paths, Vm, GuestType.Qemu, [Data with { SizeMiB = GuestVolume.MaxSizeMiB }], ids: null));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Message, Does.Match("^guest 'vm': volume 'data' of 16777216 MiB does not fit in the [0-9]+ MiB free under .*: free space there or declare a smaller size$"));
            Assert.That(File.Exists(_paths.VolumeImage(Vm, "data")), Is.False);
        }
    }

    [Test]
    public void An_image_swapped_for_a_link_is_refused_at_start_and_at_definition_and_its_target_untouched()
    {
        GuestVolumes.Prepare(_paths, Vm, GuestType.Qemu, [Data], ids: null);
        var target = Path.Combine(_root, "host-file");
        File.WriteAllText(target, "host");
        File.Delete(_paths.VolumeImage(Vm, "data"));
        File.CreateSymbolicLink(_paths.VolumeImage(Vm, "data"), target);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => GuestVolumes.CheckAtStart(_paths, Vm, Disks(DataDisk)), Throws.TypeOf<IOException>().With.Message.Contain("a symbolic link"));
            Assert.That(() => GuestVolumes.Prepare(_paths, Vm, GuestType.Qemu, [Data with { SizeMiB = 128 }], ids: null),
                Throws.TypeOf<IOException>().With.Message.Contain("not following it"));
            Assert.That(File.ReadAllText(target), Is.EqualTo("host"));
        }
    }

    [Test]
    public void An_image_with_a_second_name_or_another_owner_is_refused_at_start()
    {
        GuestVolumes.Prepare(_paths, Vm, GuestType.Qemu, [Data], ids: null);
        var image = _paths.VolumeImage(Vm, "data");
        var hardLink = Path.Combine(_root, "second-name");
        Assert.That(new TestCommand("ln", [image, hardLink]).Run().ExitCode, Is.Zero);
        var twoNames = Assert.Throws<GuestStateException>(() => GuestVolumes.CheckAtStart(_paths, Vm, Disks(DataDisk)));
        File.Delete(hardLink);
        Assert.That(new TestCommand("chown", ["1000:1000", image]).Run().ExitCode, Is.Zero);
        var owner = Assert.Throws<GuestStateException>(() => GuestVolumes.CheckAtStart(_paths, Vm, Disks(DataDisk)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(twoNames.Message, Does.Contain("is not a regular file of root's with one name"));
            Assert.That(owner.Message, Does.Contain("is not a regular file of root's with one name"));
        }
    }

    [TestCase("/etc/shadow", "data", "raw", "which is not one of its volumes")]
    [TestCase("VOLUMES/data.img", "other", "raw", "which is not one of its volumes")]
    [TestCase("VOLUMES/data.img", "data", "qcow2", "reads volume 'data' as 'qcow2', not raw")]
    [TestCase("VOLUMES/data.img", "data", "", "not raw")]
    public void A_disk_that_is_not_one_of_the_guests_raw_images_is_refused_at_start(string file, string serial, string format, string problem)
    {
        GuestVolumes.Prepare(_paths, Vm, GuestType.Qemu, [Data], ids: null);
        var disk = new VolumeDisk(file.Replace("VOLUMES", _paths.GuestVolumes(Vm), StringComparison.Ordinal), serial, format);
        Assert.That(() => GuestVolumes.CheckAtStart(_paths, Vm, Disks(disk)), Throws.TypeOf<GuestStateException>().With.Message.Contain(problem));
    }

    [Test]
    public void A_containers_binds_of_its_volumes_are_checked_at_start_and_a_directory_not_among_them_or_swapped_for_a_link_refused()
    {
        var ct = GuestName.Parse("ct");
        GuestVolumes.Prepare(_paths, ct, GuestType.Lxc, [Data], ids: null);
        var directory = _paths.VolumeDirectory(ct, "data");
        var domain = DomainDescription.Of(new ContainerDomain
        {
            Name = "ct", RootDirectory = "/r", BootSource = "/b", StoreSource = "/nix/store", StoreTarget = "/nix/store",
            UserNamespace = new UserNamespaceMapping(655360, 655360, 65536),
            Shares = [new SharedDirectory(_paths.ShareDirectory(ct, "web"), "/srv", ReadOnly: true), new SharedDirectory(directory, "/var/lib/data", ReadOnly: false)],
        });
        var volumes = DomainVolumes.Of(_paths, ct, domain);
        Assert.DoesNotThrow(() => GuestVolumes.CheckAtStart(_paths, ct, volumes));
        var elsewhere = Assert.Throws<GuestStateException>(() => GuestVolumes.CheckAtStart(_paths, ct, new DomainVolumes([], ["/etc"], null)));
        Directory.Move(directory, directory + "-moved");
        Directory.CreateSymbolicLink(directory, directory + "-moved");
        var linked = Assert.Throws<GuestStateException>(() => GuestVolumes.CheckAtStart(_paths, ct, volumes));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(volumes.Directories, Is.EqualTo(new[] { directory }), "its volume's bind, not its share's");
            Assert.That(volumes.MappedRoot, Is.EqualTo(655360u));
            Assert.That(elsewhere.Message, Is.EqualTo($"guest 'ct': its domain binds /etc, which is not one of its volumes in {_paths.GuestVolumes(ct)}: "
                + "define it again (miniguest create ct)"));
            Assert.That(linked.Message, Does.Contain("is a link or not a directory; not following it"));
        }
    }

    [Test]
    public void The_sizes_of_a_guests_images_are_read_by_volume_name_following_no_link()
    {
        GuestVolumes.Prepare(_paths, Vm, GuestType.Qemu, [Data], ids: null);
        var target = Path.Combine(_root, "host-file");
        File.WriteAllText(target, "host");
        File.CreateSymbolicLink(Path.Combine(_paths.GuestVolumes(Vm), "other.img"), target);

        var sizes = GuestVolumes.ImageSizes(_paths, Vm);
        var described = GuestVolumes.Describe(_paths, Vm, GuestType.Qemu, [Data, Data with { Name = "other" }], sizes);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(sizes.Keys, Is.EqualTo(new[] { "data" }), "a link is no image");
            Assert.That(sizes["data"].ApparentBytes, Is.EqualTo(64L << 20));
            Assert.That(described.Select(volume => (volume.File, volume.ApparentBytes)),
                Is.EqualTo(new (string, long?)[] { (_paths.VolumeImage(Vm, "data"), 64L << 20), (_paths.VolumeImage(Vm, "other"), null) }));
            Assert.That(GuestVolumes.ImageSizes(_paths, GuestName.Parse("none")), Is.Empty);
        }
    }

    [Test]
    public void Purging_deletes_the_volumes_and_no_link_s_target()
    {
        GuestVolumes.Prepare(_paths, Vm, GuestType.Qemu, [Data], ids: null);
        var target = Directory.CreateDirectory(Path.Combine(_root, "host-dir")).FullName;
        File.WriteAllText(Path.Combine(target, "kept"), "host");
        Directory.CreateSymbolicLink(Path.Combine(_paths.GuestVolumes(Vm), "planted"), target);
        GuestVolumes.Delete(_paths, Vm);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Directory.Exists(_paths.GuestVolumes(Vm)), Is.False);
            Assert.That(File.Exists(Path.Combine(target, "kept")), Is.True);
        }
    }
}
