using Miniguest.Core;
using Miniguest.Libvirt;

namespace Miniguest.Tests.Integration.Cli;

/// <summary>
/// The garbage-collector roots of the generations a guest's domain needs, on the real stack: nothing a guest runs, or is
/// defined to boot, can be collected. Each store path is deleted alone (<c>nix-store --delete PATH</c>, refused while it
/// is alive), never by a collection of the whole store, which would take other tests' paths. The path deleted is a
/// generation's own (the profile's store path: the guest's files and a manifest naming this test's copy of the flake), so
/// no other test has it; the build output inside it, which other tests may share, is never deleted.
/// </summary>
/// <remarks>
/// A generation is held by its profile too. The tests' profiles lie outside <c>/nix/var/nix/profiles</c>, and yet they are
/// roots: Nix registers each generation link it makes with <c>--profile</c> as an indirect root (in
/// <c>/nix/var/nix/gcroots/auto</c>), wherever the profile is. What <c>nix-collect-garbage -d</c> does to the profiles
/// under <c>/nix/var/nix/profiles</c>, deleting their old generations, is done here to the guest's profile with
/// <c>nix-env --delete-generations</c>: then only Miniguest's roots hold the old generation.
/// </remarks>
[TestFixture, Category(TestCategories.Integration), Parallelizable]
public sealed class GcRootTests : EditableFlakeFixture
{
    [TestCase(true, TestName = "A_guest_started_by_miniguest_keeps_the_generation_it_runs_after_an_upgrade_until_it_stops")]
    [TestCase(false, TestName = "A_guest_libvirt_started_itself_keeps_the_generation_it_runs_after_an_upgrade_until_it_stops")]
    public void A_running_guest_keeps_the_generation_it_runs_after_an_upgrade_until_it_stops(bool byMiniguest)
    {
        var name = MiniguestHost.UniqueName("gc");
        Host.Ok("install", "-n", name, $"path:{Flake}#vm-idle");
        Host.Ok("create", name, "--virt-type", "qemu", "--memory", "128");
        var first = Generation(name, 1);
        // Defined, never started by Miniguest: libvirtd's autostart or virsh start finds its generation rooted.
        Assert.That(NixStoreCommand.Roots(first), Has.Some.StartsWith(Root(name, GuestRoots.Defined) + " -> " + first));

        if (byMiniguest)
        {
            Host.Ok("start", name);
        }
        else
        {
            // As libvirtd's autostart does: Miniguest has no part in this start.
            using var connection = Connection.Open("qemu:///system");
            using var domain = connection.GetDomain(name);
            domain.Start();
        }
        TestGuestFlake.ChangeGuest(Flake, "generation 2 of " + name);
        Assert.That(Host.Ok("upgrade", name).Error, Does.Contain($"'{name}' runs generation 1; it runs generation 2 from its next start"));
        var second = Generation(name, 2);
        DeleteGeneration(name, 1);

        var roots = NixStoreCommand.Roots(first);
        var whileRunning = NixStoreCommand.TryDelete(first);
        using (Assert.EnterMultipleScope())
        {
            // Nothing else holds it, not even QEMU (whose open files are runtime roots of the guest's files, not of the
            // generation's own path): without this root, a collection would take it.
            Assert.That(roots, Is.EqualTo(new[] { $"{Root(name, GuestRoots.Booted)} -> {first}" }));
            Assert.That(new FileInfo(Root(name, GuestRoots.Defined)).LinkTarget, Is.EqualTo(second), "the definition moved on");
            Assert.That(new FileInfo(Root(name, GuestRoots.Booted)).LinkTarget, Is.EqualTo(first), "the running guest's generation stays rooted");
            Assert.That(whileRunning.Deleted, Is.False, "the generation the guest runs cannot be collected");
            Assert.That(whileRunning.Error, Does.Contain("still alive"));
        }

        // The test guest's init ignores the shutdown request: --force pulls the plug after the timeout.
        Host.Ok("stop", name, "--force", "--timeout", "1");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(new FileInfo(Root(name, GuestRoots.Booted)).LinkTarget, Is.Null, "a stopped guest runs nothing");
            Assert.That(NixStoreCommand.TryDelete(first).Deleted, Is.True, "once it stopped, nothing holds the old generation");
            Assert.That(NixStoreCommand.Roots(second), Has.Some.StartsWith(Root(name, GuestRoots.Defined) + " -> " + second));
        }
    }

    [Test]
    public void A_domain_kept_by_remove_keeps_its_generation_and_one_removed_with_its_guest_keeps_nothing()
    {
        var kept = MiniguestHost.UniqueName("gck");
        var removed = MiniguestHost.UniqueName("gcr");
        foreach (var name in new[] { kept, removed })
        {
            // A generation of each guest's own: the same build would be one store path for both.
            TestGuestFlake.ChangeGuest(Flake, "guest " + name);
            Host.Ok("install", "-n", name, $"path:{Flake}#vm-idle");
            Host.Ok("create", name, "--virt-type", "qemu", "--memory", "128");
        }
        var keptGeneration = Generation(kept, 1);
        var removedGeneration = Generation(removed, 1);

        Host.Ok("remove", "--keep-domain", kept);
        Host.Ok("remove", removed);
        try
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(NixStoreCommand.Roots(keptGeneration), Is.EqualTo(new[] { $"{Root(kept, GuestRoots.Defined)} -> {keptGeneration}" }),
                    "its profile is gone: only the root of the domain kept holds what it boots");
                Assert.That(NixStoreCommand.TryDelete(keptGeneration).Deleted, Is.False);
                Assert.That(NixStoreCommand.TryDelete(removedGeneration).Deleted, Is.True, "a removed guest leaves nothing rooted");
            }
        }
        finally
        {
            // No longer the guest's, the domain kept is the test's to undefine.
            using var connection = Connection.Open("qemu:///system");
            if (connection.TryGetDomain(kept, out var domain))
            {
                GuestRun.Remove(domain);
            }
        }
    }

    private string Generation(string name, int number) =>
        new GuestStore(Host.Paths).Get(GuestName.Parse(name)).Profile.Generations.Single(generation => generation.Number == number).StorePath;

    private string Root(string name, string root) => Path.Combine(Host.Paths.GenerationRoots(GuestName.Parse(name)), root);

    // What nix-collect-garbage -d does to each profile under /nix/var/nix/profiles: its old generations go.
    private void DeleteGeneration(string name, int number) =>
        TestCommand.Ok("nix-env", "--profile", Host.Paths.Profile(GuestName.Parse(name)), "--delete-generations",
            number.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
