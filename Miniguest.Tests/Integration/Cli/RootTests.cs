namespace Miniguest.Tests.Integration.Cli;

/// <summary>A host user who forgot sudo: told once, in one line, that the command needs root, with exit 1, where
/// libvirt's system connection or Miniguest's state refused them; and never told so where nothing refused them (their own
/// directories, a session connection).</summary>
[TestFixture, Category(TestCategories.Integration), NonParallelizable]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RootTests : HostFixture
{
    private const string NeedsRoot = "miniguest: error: this needs root: libvirt's system connections and Miniguest's state are root's";

    [Test]
    public void Listing_guests_whose_system_connection_refuses_the_user_needs_root_rather_than_showing_them_unknown()
    {
        var storePath = InstallByHand(MiniguestHost.UniqueName("vm"));
        try
        {
            var listed = AsUser(Host.Paths.Guests, Host.Paths.Profiles, Host.Paths.State, "list");
            var connected = AsUser(Host.Paths.Guests, Host.Paths.Profiles, Host.Paths.State, "-c", "lxc:///", "list");

            foreach (var result in new[] { listed, connected })
            {
                AssertNeedsRoot(result, "qemu:///system", "lxc:///");
            }
        }
        finally
        {
            foreach (var link in Directory.EnumerateFileSystemEntries(Host.Paths.Guests).Concat(Directory.EnumerateFileSystemEntries(Host.Paths.Profiles)))
            {
                File.Delete(link);
            }
            NixStoreCommand.Delete(storePath);
        }
    }

    [Test]
    public void Installing_where_the_locks_are_root_s_needs_root_before_nix_runs()
    {
        var result = AsUser(Host.Paths.Guests, Host.Paths.Profiles, Host.Paths.State, "install", "path:/nonexistent#web");

        AssertNeedsRoot(result, Path.Combine(Host.Paths.State, "locks"));
        Assert.That(Directory.Exists(Host.Paths.State), Is.False, "nothing made");
    }

    [Test]
    public void A_user_with_directories_of_their_own_and_a_session_connection_is_never_told_to_be_root()
    {
        var own = Path.Combine(Host.Root, "nobody");
        Directory.CreateDirectory(own);
        File.SetUnixFileMode(own, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        TestCommand.Ok("chown", "65534:65534", own);

        var listed = AsUser(Path.Combine(own, "guests"), Path.Combine(own, "profiles"), Path.Combine(own, "state"),
            "-c", "qemu:///session", "list");
        var installed = AsUser(Path.Combine(own, "guests"), Path.Combine(own, "profiles"), Path.Combine(own, "state"),
            "install", "path:/nonexistent#web");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(listed.Error, Does.Not.Contain("needs root"), listed.ToString());
            Assert.That(installed.Error, Does.Not.Contain("needs root").And.Contain("nix"), "the lock was taken, and Nix ran: " + installed);
            Assert.That(Directory.EnumerateFileSystemEntries(Path.Combine(own, "state", "locks")), Is.Empty, "the lock file went with its lock");
        }
    }

    private static void AssertNeedsRoot(CommandResult result, params string[] refused)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
            Assert.That(result.ErrorLines, Has.Count.EqualTo(1), "said once, in one line");
            Assert.That(result.Error, Does.StartWith(NeedsRoot).And.EndWith("; run it with sudo\n"));
            Assert.That(refused.Any(what => result.Error.Contains($"({what} refused this user)", StringComparison.Ordinal)), "names what refused: " + result.Error);
            Assert.That(result.Out, Is.Empty, "no listing of guests in an unknown state");
        }
    }

    // The command as the host user nobody, on the directories given, with a Nix that cannot run: nothing reaches Nix.
    private static CommandResult AsUser(string guests, string profiles, string state, params string[] arguments) =>
        AsNobody.Run([
            "env", $"HOME={Path.GetDirectoryName(state)}", $"MINIGUEST_GUESTS_DIR={guests}", $"MINIGUEST_PROFILES_DIR={profiles}",
            $"MINIGUEST_STATE_DIR={state}", "MINIGUEST_NIX=/nonexistent/nix", MiniguestHost.Executable, .. arguments,
        ]);

    // A VM guest of the host's, linked by hand to a build output of its configuration and its profile's manifest alone: all
    // a listing reads.
    private string InstallByHand(string name)
    {
        var staging = Directory.CreateDirectory(Path.Combine(Host.Root, "output")).FullName;
        File.WriteAllText(Path.Combine(staging, "miniguest-config.json"), """{"enable":true,"guestType":"qemu","qemu":{"fsType":"9p"}}""");
        File.WriteAllText(Path.Combine(staging, "manifest.json"),
            """{"version":2,"elements":[{"active":true,"attrPath":"x","originalUrl":"path:/x","url":"path:/x","storePaths":[]}]}""");
        var storePath = NixStoreCommand.Add(staging);
        Directory.Delete(staging, recursive: true);
        Host.LinkByHand(name, storePath);
        return storePath;
    }
}
