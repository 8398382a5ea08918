using Miniguest.Core;

namespace Miniguest.Tests.Unit;

public sealed class GuestProfileTests
{
    private static readonly GuestName Vm = GuestName.Parse("vm");
    private string _profiles = "";

    [SetUp]
    public void CreateDirectory() => _profiles = Directory.CreateTempSubdirectory("miniguest-profiles-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_profiles, recursive: true);

    [Test]
    public void Nixs_temporary_links_of_a_profile_are_deleted_and_nothing_else()
    {
        // .N_NAME while Nix switches the profile; NAME-N-link.tmp-PID-R while it makes generation N's link.
        foreach (var link in new[]
                 {
                     "vm", "vm-1-link", ".0_vm", ".12_vm", ".0_vm2", ".0_.staging-vm", "x.0_vm", "vm-2-link.tmp-6602-7246796",
                     "vm-x-1-link.tmp-1-2", "vm-1-link.tmp-1", "vm-1-link.tmp-a-2", ".staging-vm-1-link.tmp-6602-1",
                 })
        {
            File.CreateSymbolicLink(Path.Combine(_profiles, link), "/nix/store/none");
        }

        new GuestProfile(new MiniguestPaths { Profiles = _profiles }, Vm).DeleteTemporaryLinks();

        Assert.That(Directory.GetFileSystemEntries(_profiles).Select(Path.GetFileName).Order(StringComparer.Ordinal),
            Is.EqualTo(new[]
            {
                ".0_.staging-vm", ".0_vm2", ".staging-vm-1-link.tmp-6602-1", "vm", "vm-1-link", "vm-1-link.tmp-1", "vm-1-link.tmp-a-2",
                "vm-x-1-link.tmp-1-2", "x.0_vm",
            }));
        GuestProfile.Staging(new MiniguestPaths { Profiles = _profiles }, Vm).DeleteTemporaryLinks();
        Assert.That(File.Exists(Path.Combine(_profiles, ".staging-vm-1-link.tmp-6602-1")), Is.False, "the staging profile's, with it");
    }

    [Test]
    public void Current_generation_is_read_from_the_profile_link()
    {
        File.CreateSymbolicLink(Path.Combine(_profiles, "vm-1-link"), "/nix/store/aaa-profile");
        File.CreateSymbolicLink(Path.Combine(_profiles, "vm-2-link"), "/nix/store/bbb-profile");
        File.CreateSymbolicLink(Path.Combine(_profiles, "vm"), "vm-2-link");
        var profile = new GuestProfile(new MiniguestPaths { Profiles = _profiles }, Vm);

        Assert.That(profile.Current?.Number, Is.EqualTo(2));
        Assert.That(profile.Current?.StorePath, Is.EqualTo("/nix/store/bbb-profile"));
        profile.SwitchTo(1);
        Assert.That(profile.Current?.Number, Is.EqualTo(1));
        Assert.That(profile.Generations.Select(g => g.Number), Is.EqualTo(new[] { 1, 2 }));
    }

    [Test]
    public void Generations_are_the_links_named_after_the_guest_and_a_number_and_nothing_else()
    {
        // Links of a guest whose name starts the same, and look-alikes of generation links.
        foreach (var link in new[] { "vm-1-link", "vm-12-link", "vm-2-1-link", "vm--3-link", "vm-+4-link", "vm- 5-link", "vm-link", "vm-x-link", "vmm-6-link" })
        {
            File.CreateSymbolicLink(Path.Combine(_profiles, link), "/nix/store/" + link);
        }

        var profile = new GuestProfile(new MiniguestPaths { Profiles = _profiles }, Vm);

        Assert.That(profile.Generations.Select(g => g.Number), Is.EqualTo(new[] { 1, 12 }));
    }

    [Test]
    public void A_profile_pointing_at_a_link_that_is_not_a_generation_has_no_current_generation()
    {
        File.CreateSymbolicLink(Path.Combine(_profiles, "vm-2-1-link"), "/nix/store/aaa-profile");
        File.CreateSymbolicLink(Path.Combine(_profiles, "vm"), "vm-2-1-link");

        Assert.That(new GuestProfile(new MiniguestPaths { Profiles = _profiles }, Vm).Current, Is.Null);
    }
}
