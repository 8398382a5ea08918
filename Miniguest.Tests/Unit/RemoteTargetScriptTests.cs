using Microsoft.Extensions.Logging.Abstractions;
using Miniguest.Core;

namespace Miniguest.Tests.Unit;

/// <summary>The script Miniguest runs on another host's files, run here on a layout of its own: it takes the guest's lock
/// as a miniguest command there would, and deletes the lock file as it lets go, whatever it ends with, so that the
/// other host's locks directory does not keep a file for every guest name ever given.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RemoteTargetScriptTests
{
    private static readonly GuestName Web = GuestName.Parse("web");

    private TemporaryLayout _layout = null!;

    private MiniguestPaths Paths => _layout.Paths;

    private string Locks => Path.GetDirectoryName(Paths.LockFile(Web))!;

    [SetUp]
    public void CreateLayout() => _layout = new TemporaryLayout("miniguest-target-");

    [TearDown]
    public void DeleteLayout() => _layout.Dispose();

    [Test]
    public void A_check_of_a_name_not_installed_leaves_no_lock_file()
    {
        var result = Run("check", "web", Paths.LockFile(Web), "", "keep");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
            Assert.That(Directory.EnumerateFileSystemEntries(Locks), Is.Empty);
        }
    }

    [Test]
    public void A_refusal_keeps_its_exit_code_and_leaves_no_lock_file()
    {
        Directory.CreateDirectory(Paths.Profiles);
        File.CreateSymbolicLink(Path.Combine(Paths.Profiles, "web"), "web-1-link");

        var result = Run("check", "web", Paths.LockFile(Web), "", "keep");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.ExitCode, Is.EqualTo(73), result.ToString());
            Assert.That(result.Error, Does.Contain("already installed there"));
            Assert.That(Directory.EnumerateFileSystemEntries(Locks), Is.Empty);
        }
    }

    [Test]
    public async Task It_waits_for_a_command_that_holds_the_lock_then_takes_and_deletes_a_file_of_its_own()
    {
        var held = await GuestLock.AcquireAsync(Paths, Web, NullLogger.Instance);
        var waiting = Task.Run(() => Run("check", "web", Paths.LockFile(Web), "", "keep"));
        await Task.Delay(500);
        var waited = !waiting.IsCompleted;
        held.Dispose();
        var result = await waiting;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(waited, Is.True, "it waited for the lock");
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
            Assert.That(Directory.EnumerateFileSystemEntries(Locks), Is.Empty);
        }
    }

    private CommandResult Run(params string[] arguments) =>
        new TestCommand("sh", ["-c", RemoteTarget.Script, "miniguest", arguments[0], Paths.Profiles, Paths.Guests, Paths.State, .. arguments.Skip(1)])
        {
            TimeLimit = TimeSpan.FromMinutes(1),
        }.Run();
}
