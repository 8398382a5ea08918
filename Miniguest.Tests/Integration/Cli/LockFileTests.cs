namespace Miniguest.Tests.Integration.Cli;

/// <summary>A guest's lock file goes with its lock: none is left after a command that succeeded, one that failed, or
/// <c>remove --purge</c>; and one a command killed while it held the lock left is cleared by the next command that locks.</summary>
[TestFixture, Category(TestCategories.Integration), NonParallelizable]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LockFileTests : HostFixture
{
    [Test]
    public void No_lock_file_is_left_by_a_command_that_succeeded_failed_or_purged()
    {
        var name = MiniguestHost.UniqueName("vm");
        var vm = TestGuestFlake.Reference + "#vm";
        var locks = Path.Combine(Host.Paths.State, "locks");
        IEnumerable<string> LockFiles() => Directory.Exists(locks) ? Directory.EnumerateFileSystemEntries(locks) : [];

        Host.Ok("install", "-n", name, vm);
        var afterSuccess = LockFiles().ToList();
        var again = Host.Run("install", "-n", name, vm);
        var afterFailure = LockFiles().ToList();
        var missing = Host.Run("upgrade", MiniguestHost.UniqueName("vm"));
        var afterMissing = LockFiles().ToList();
        Host.Ok("remove", "--purge", name);
        var afterPurge = LockFiles().ToList();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(again.ExitCode, Is.EqualTo(1), again.ToString());
            Assert.That(missing.ExitCode, Is.EqualTo(1), missing.ToString());
            Assert.That(afterSuccess, Is.Empty, "after install");
            Assert.That(afterFailure, Is.Empty, "after an install that failed");
            Assert.That(afterMissing, Is.Empty, "after an upgrade of no guest");
            Assert.That(afterPurge, Is.Empty, "after remove --purge");
            Assert.That(Host.Snapshot().Where(entry => entry.Contains(name, StringComparison.Ordinal)), Is.Empty, "nothing of the guest left");
        }
    }

    [Test]
    public void A_lock_file_a_killed_command_left_is_cleared_by_the_next_command_that_takes_a_lock()
    {
        // A Nix that builds for a minute: the install holds the guest's lock meanwhile.
        var nix = Path.Combine(Host.Root, "slow-nix");
        File.WriteAllText(nix, "#!/bin/sh\nsleep 60\n");
        File.SetUnixFileMode(nix, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Host.Environment["MINIGUEST_NIX"] = nix;
        // The killed command leaves the temporary directory it made for Nix: in the host layout, which goes with the test.
        Host.Environment["TMPDIR"] = Directory.CreateDirectory(Path.Combine(Host.Root, "tmp")).FullName;
        var typo = MiniguestHost.UniqueName("vm");
        var lockFile = Host.Paths.LockFile(Miniguest.Core.GuestName.Parse(typo));

        using (var killed = Host.Start("install", "-n", typo, "path:/nonexistent#vm"))
        {
            SpinWait.SpinUntil(() => File.Exists(lockFile), TimeSpan.FromSeconds(30));
            killed.Kill(entireProcessTree: true);
            killed.WaitForExit();
        }
        var left = File.Exists(lockFile);
        // As if the command had been killed a while ago: a file just made is left to the command making it.
        File.SetLastWriteTimeUtc(lockFile, DateTime.UtcNow - TimeSpan.FromMinutes(2));
        var next = Host.Run("upgrade", MiniguestHost.UniqueName("vm"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(left, Is.True, "the killed command left its lock file");
            Assert.That(next.ExitCode, Is.EqualTo(1), next.ToString());
            Assert.That(Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(lockFile)!), Is.Empty, "cleared by the next command");
        }
    }
}
