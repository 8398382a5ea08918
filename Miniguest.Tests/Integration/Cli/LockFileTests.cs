namespace Miniguest.Tests.Integration.Cli;

/// <summary>A guest's lock file goes with its lock: none is left after a command that succeeded, one that failed, or
/// <c>remove --purge</c>.</summary>
[TestFixture, Category(TestCategories.Integration), NonParallelizable]
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
}
