using Microsoft.Extensions.Logging.Abstractions;
using Miniguest.Core;

namespace Miniguest.Tests.Unit;

/// <summary>The guest lock on this host's file system: one holder at a time, and no file left once it is released,
/// even when its file is deleted and made again under commands waiting for it.</summary>
[Parallelizable]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class GuestLockTests
{
    private static readonly GuestName Web = GuestName.Parse("web");
    private TemporaryLayout _layout = null!;

    private MiniguestPaths Paths => _layout.Paths;

    [SetUp]
    public void CreateLayout() => _layout = new TemporaryLayout("miniguest-locks-");

    [TearDown]
    public void DeleteLayout() => _layout.Dispose();

    [Test]
    public async Task A_lock_file_lives_as_long_as_its_lock()
    {
        var guestLock = await GuestLock.AcquireAsync(Paths, Web, NullLogger.Instance);
        var held = File.Exists(Paths.LockFile(Web));
        var mode = File.GetUnixFileMode(Paths.LockFile(Web));
        guestLock.Dispose();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(held, Is.True);
            Assert.That(mode, Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
            Assert.That(File.Exists(Paths.LockFile(Web)), Is.False, "deleted with its lock");
            Assert.That(Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(Paths.LockFile(Web))!), Is.Empty);
        }
    }

    [Test]
    public async Task A_second_taker_waits_for_the_first_and_a_cancelled_one_gives_up()
    {
        using var first = await GuestLock.AcquireAsync(Paths, Web, NullLogger.Instance);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        Assert.That(async () => await GuestLock.AcquireAsync(Paths, Web, NullLogger.Instance, cancel.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(File.Exists(Paths.LockFile(Web)), Is.True, "the first still holds it, and its file");
    }

    [Test]
    public async Task Many_takers_of_one_name_never_hold_it_together_and_leave_no_file()
    {
        // Enough takers that one opens the file just as its holder deletes it: locking that file without looking again at
        // the path made two holders within seconds.
        const int Takers = 32;
        const int Rounds = 100;
        var holders = 0;
        var most = 0;
        var taken = 0;

        async Task TakeInTurns()
        {
            for (var round = 0; round < Rounds; round++)
            {
                using (await GuestLock.AcquireAsync(Paths, Web, NullLogger.Instance).ConfigureAwait(false))
                {
                    var now = Interlocked.Increment(ref holders);
                    InterlockedMax(ref most, now);
                    Interlocked.Increment(ref taken);
                    // Hold it a moment, off this thread, as a command would.
                    await Task.Yield();
                    Thread.SpinWait(1000);
                    Interlocked.Decrement(ref holders);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Takers).Select(_ => Task.Run(TakeInTurns)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(most, Is.EqualTo(1), "never two holders at once");
            Assert.That(taken, Is.EqualTo(Takers * Rounds));
            Assert.That(File.Exists(Paths.LockFile(Web)), Is.False, "no lock file left");
        }
    }

    [Test]
    public async Task Taking_a_lock_deletes_the_files_killed_commands_left_and_no_other()
    {
        var locks = Path.GetDirectoryName(Paths.LockFile(Web))!;
        Directory.CreateDirectory(locks);
        var longAgo = DateTime.UtcNow - TimeSpan.FromMinutes(5);
        // Left by commands killed while they held them: a guest's, and the container id ranges'.
        foreach (var left in new[] { Paths.LockFile(GuestName.Parse("typo")), Paths.ContainerIdsLockFile })
        {
            File.WriteAllBytes(left, []);
            File.SetLastWriteTimeUtc(left, longAgo);
        }
        // Just made by a command about to lock it, and held by a command that runs long.
        File.WriteAllBytes(Paths.LockFile(GuestName.Parse("new")), []);
        using var held = await GuestLock.AcquireAsync(Paths, GuestName.Parse("long"), NullLogger.Instance);
        File.SetLastWriteTimeUtc(Paths.LockFile(GuestName.Parse("long")), longAgo);

        using (await GuestLock.AcquireAsync(Paths, Web, NullLogger.Instance))
        {
        }

        Assert.That(Directory.EnumerateFileSystemEntries(locks).Select(Path.GetFileName).Order(), Is.EqualTo(new[] { "long.lock", "new.lock" }));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen)
        {
            var before = Interlocked.CompareExchange(ref target, value, seen);
            if (before == seen)
            {
                return;
            }
            seen = before;
        }
    }
}
