using Miniguest.Core;

namespace Miniguest.Tests.Unit;

public sealed class StoreViewTests
{
    private const string DebianWithoutView = """
        43 42 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
        45 43 0:21 / /proc rw,relatime - proc proc rw
        """;

    [Test]
    public void On_a_host_with_the_read_only_view_virtiofs_shares_the_view()
    {
        var source = StoreView.ForVirtiofs(MountTable.Parse(MountTableTests.DebianWithView, "libvirtd (pid 1)"));
        Assert.That(source, Is.EqualTo(new VirtiofsStoreSource(StoreView.DefaultPath, StoreProtection.ReadOnlyStoreView, null)));
        Assert.That(source.RequireDirectory(), Is.EqualTo("/run/miniguest/store"));
    }

    [Test]
    public void On_a_host_whose_store_is_read_only_virtiofs_shares_the_store_itself()
    {
        var source = StoreView.ForVirtiofs(MountTable.Parse(MountTableTests.NixOs, "libvirtd (pid 1)"));
        Assert.That(source, Is.EqualTo(new VirtiofsStoreSource("/nix/store", StoreProtection.ReadOnlyHostStore, null)));
    }

    [Test]
    public void With_the_read_only_host_store_a_path_through_symbolic_links_stays_as_it_is()
    {
        var source = StoreView.ForVirtiofs(MountTable.Parse(MountTableTests.NixOs, "libvirtd (pid 1)"));
        Assert.That(source.Translate("/etc/miniguests/web/boot"), Is.EqualTo("/etc/miniguests/web/boot"));
    }

    [Test]
    public void Without_a_view_virtiofs_is_refused_with_how_to_fix_the_host()
    {
        var source = StoreView.ForVirtiofs(MountTable.Parse(DebianWithoutView, "libvirtd (pid 7)"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(source.IsAvailable, Is.False);
            Assert.That(source.Protection, Is.EqualTo(StoreProtection.None));
            Assert.That(source.Problem, Does.Contain("libvirtd (pid 7)").And.Contain("/run/miniguest/store is not a mount point"));
            Assert.That(source.Problem, Does.Contain("scripts/setup-host").And.Contain("boot.readOnlyNixStore"));
        }
        var refusal = Assert.Throws<UnprotectedStoreException>(() => source.RequireDirectory());
        Assert.That(refusal.Message, Is.EqualTo(source.Problem));
        Assert.Throws<UnprotectedStoreException>(() => source.Translate("/etc/miniguests/web/boot"));
    }

    [Test]
    public void A_view_mounted_read_write_is_refused()
    {
        var table = MountTable.Parse(DebianWithoutView + "\n64 43 254:0 /nix/store /run/miniguest/store rw,relatime - ext4 /dev/vda rw", "test");
        Assert.That(StoreView.ForVirtiofs(table).Problem, Does.Contain("/run/miniguest/store is a bind mount of /nix/store but read-write"));
    }

    [Test]
    public void A_read_only_mount_of_something_else_is_not_a_view_of_the_store()
    {
        var table = MountTable.Parse(DebianWithoutView + "\n64 43 254:0 /srv/empty /run/miniguest/store ro,relatime - ext4 /dev/vda rw", "test");
        Assert.That(StoreView.ViewProblem(table), Does.Contain("a mount of /dev/vda /srv/empty, not of /nix/store"));
    }

    [Test]
    public void Another_view_path_can_be_checked()
    {
        var table = MountTable.Parse(DebianWithoutView + "\n64 43 254:0 /nix/store /srv/ro-store ro - ext4 /dev/vda rw", "test");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(StoreView.ForVirtiofs(table, "/srv/ro-store").Directory, Is.EqualTo("/srv/ro-store"));
            Assert.That(StoreView.ForVirtiofs(table).IsAvailable, Is.False);
        }
    }

    [TestCase("/run/miniguest/store", ExpectedResult = StoreProtection.ReadOnlyStoreView)]
    [TestCase("/run/miniguest/store/abc-guest/boot", ExpectedResult = StoreProtection.ReadOnlyStoreView)]
    [TestCase("/nix/store", ExpectedResult = StoreProtection.None)]
    [TestCase("/nix/store/abc-guest/boot", ExpectedResult = StoreProtection.None)]
    [TestCase("/mnt/stack", ExpectedResult = StoreProtection.ReadOnlyStoreView)]
    public StoreProtection A_shared_directory_is_as_safe_as_the_mount_it_lands_on(string directory) =>
        StoreView.Classify(MountTable.Parse(MountTableTests.DebianWithView, "test"), directory);

    [Test]
    public void The_read_only_host_store_and_its_directories_are_safe_to_share()
    {
        var table = MountTable.Parse(MountTableTests.NixOs, "test");
        Assert.That(StoreView.Classify(table, "/nix/store/abc-guest/boot"), Is.EqualTo(StoreProtection.ReadOnlyHostStore));
    }
}
