using Miniguest.Core;

namespace Miniguest.Tests.Unit;

/// <summary>
/// Each nix run gets a temporary directory of its own (its <c>TMPDIR</c>), deleted when it exits: Nix 2.8's
/// <c>nix profile</c> leaves its build directory there at every run. A builder writes there too (single-user Nix), so
/// root deletes a directory a flake's code had its hands on: it unlinks what it finds, and follows no link out of it.
/// Run with a stand-in for nix that plants what a hostile builder would; the real nix's leftovers are the
/// Integration tier's (<c>InstallTests</c>).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class NixTemporaryDirectoryTests
{
    private TemporaryLayout _layout = null!;

    [SetUp]
    public void CreateLayout() => _layout = new TemporaryLayout("miniguest-nix-tmp-");

    [TearDown]
    public void DeleteLayout() => _layout.Dispose();

    [Test]
    public async Task A_runs_temporary_directory_is_deleted_with_its_links_and_nothing_they_lead_to()
    {
        var outside = Path.Combine(_layout.Root, "outside");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "kept"), "the host's");
        // The stand-in says where its TMPDIR is, and leaves there links to a directory and a file of the host's.
        var nix = Path.Combine(_layout.Root, "nix");
        File.WriteAllText(nix, """
            #!/bin/sh
            ln -s "$OUTSIDE" "$TMPDIR/link-to-directory"
            ln -s "$OUTSIDE/kept" "$TMPDIR/link-to-file"
            echo "$TMPDIR"
            """);
        File.SetUnixFileMode(nix, UnixFileMode.UserRead | UnixFileMode.UserExecute);

        var temporary = (await new NixCli(new NixProcess(new NixSettings { Executable = nix }))
            .RunAsync(["eval"], progress: null, CancellationToken.None, new Dictionary<string, string> { ["OUTSIDE"] = outside })).Trim();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(temporary, Does.Contain("miniguest-nix-"), "nix ran with a TMPDIR of its own");
            Assert.That(Directory.Exists(temporary), Is.False, "deleted once nix exited");
            Assert.That(File.ReadAllText(Path.Combine(outside, "kept")), Is.EqualTo("the host's"), "no link was followed");
        }
    }
}
