using Microsoft.Extensions.Logging.Abstractions;
using Miniguest.Core;

namespace Miniguest.Tests.Unit;

/// <summary>What a domain's metadata can make root hand to Nix as a garbage-collector root: a store path itself, or nothing.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class GuestRootsTests
{
    private static readonly GuestName Vm = GuestName.Parse("vm");
    // A nix that cannot run: any command handed to it fails the call.
    private static readonly NixCli NoNix = new(new NixProcess(new NixSettings { Executable = "/nonexistent/nix" }));

    private static readonly string[] NotRootable =
    [
        "path:/tmp/flake#nixosConfigurations.evil",
        "/etc/shadow",
        "--help",
        "/nix/store/00000000000000000000000000000000-guest.drv",
        "/nix/store/00000000000000000000000000000000-guest/kernel",
        "/nix/store/../etc/shadow",
        "/nix/store/00000000000000000000000000000000-gone-from-the-store",
    ];

    [TestCaseSource(nameof(NotRootable))]
    public async Task A_domain_naming_anything_but_a_path_of_the_store_roots_nothing_and_loses_its_old_root(string storePath)
    {
        using var layout = new TemporaryLayout("miniguest-roots-");
        var link = Path.Combine(layout.Paths.GenerationRoots(Vm), GuestRoots.Defined);
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        File.CreateSymbolicLink(link, "/nix/store/11111111111111111111111111111111-before");

        await new GuestRoots(layout.Paths, NoNix, NullLogger.Instance).KeepAsync(Vm, GuestRoots.Defined, storePath, CancellationToken.None);

        Assert.That(new FileInfo(link).LinkTarget, Is.Null, "no root is left on the generation before");
    }

    [TestCase("path:/tmp/flake#x")]
    [TestCase("/nix/store/00000000000000000000000000000000-guest.drv")]
    [TestCase("/nix/store/00000000000000000000000000000000-guest/sub")]
    public void Nix_is_never_asked_to_root_what_is_not_a_store_path_itself(string storePath)
    {
        var error = Assert.ThrowsAsync<ArgumentException>(() => NoNix.AddRootAsync(storePath, "/var/lib/miniguest/guests/vm/gcroots/defined"));
        Assert.That(error!.ParamName, Is.EqualTo("storePath"));
    }

    [Test]
    public void Dropping_a_root_a_guest_does_not_have_changes_nothing()
    {
        using var layout = new TemporaryLayout("miniguest-roots-");

        new GuestRoots(layout.Paths, NoNix, NullLogger.Instance).Drop(Vm, GuestRoots.Booted);

        Assert.That(Directory.Exists(layout.Paths.GuestState(Vm)), Is.False);
    }

    [Test]
    public void A_guest_removed_with_its_domain_kept_keeps_the_roots_of_that_domain_and_nothing_else_of_its_state()
    {
        using var layout = new TemporaryLayout("miniguest-roots-");
        var state = new GuestStateDirectory(layout.Paths, Vm);
        state.Write(layout.Paths.DomainUuidFile(Vm), Guid.NewGuid().ToString("D"));
        state.Write(layout.Paths.ConsoleLog(Vm), "booted\n");
        var link = Path.Combine(layout.Paths.GenerationRoots(Vm), GuestRoots.Defined);
        Directory.CreateDirectory(layout.Paths.GenerationRoots(Vm));
        File.CreateSymbolicLink(link, "/nix/store/11111111111111111111111111111111-profile");

        state.Delete(keepContainerRoot: true, keepGenerationRoots: true);
        var kept = Directory.GetFileSystemEntries(layout.Paths.GuestState(Vm));
        var keptLink = new FileInfo(link).LinkTarget;
        state.Delete();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(kept, Is.EqualTo(new[] { layout.Paths.GenerationRoots(Vm) }));
            Assert.That(keptLink, Is.EqualTo("/nix/store/11111111111111111111111111111111-profile"));
            Assert.That(new FileInfo(link).LinkTarget, Is.Null, "a remove that undefines the domain takes its roots");
            Assert.That(Directory.Exists(layout.Paths.GuestState(Vm)), Is.False);
        }
    }
}
