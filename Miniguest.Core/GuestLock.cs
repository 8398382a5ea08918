using Microsoft.Extensions.Logging;

namespace Miniguest.Core;

/// <summary>An exclusive lock on one guest, held while a command changes it, so that two commands on the same
/// guest take turns. It is an advisory file lock: the kernel releases it when the process dies.</summary>
public sealed class GuestLock : IDisposable
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(100);

    // rw-------: a lock file only root opens, so no one else can hold a guest's lock.
    private const UnixFileMode LockFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly FileStream _file;

    private GuestLock(FileStream file) => _file = file;

    /// <summary>Takes the lock on <paramref name="name"/>, waiting while another command holds it.</summary>
    public static async Task<GuestLock> AcquireAsync(MiniguestPaths paths, string name, ILogger logger,
        CancellationToken cancellationToken = default)
    {
        var path = paths.LockFile(GuestName.Validate(name));
        var told = false;
        while (true)
        {
            if (TryTake(path) is { } taken)
            {
                return taken;
            }
            cancellationToken.ThrowIfCancellationRequested();
            if (!told)
            {
                logger.LogInformation("Waiting for another miniguest command on '{Guest}' to finish", name);
                told = true;
            }
            await Task.Delay(RetryInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Takes the host-wide lock <paramref name="path"/> (a lock file whose name starts with a dot, which no
    /// guest's does), waiting while another command holds it: such a lock is held only for the moment a choice among
    /// all the guests is made and recorded.</summary>
    internal static GuestLock AcquireHostWide(string path)
    {
        while (true)
        {
            if (TryTake(path) is { } taken)
            {
                return taken;
            }
            Thread.Sleep(RetryInterval);
        }
    }

    // The lock, or null while another process holds it.
    private static GuestLock? TryTake(string path)
    {
        DirectoryHandle.OpenOrCreate(Path.GetDirectoryName(path)!, GuestStateDirectory.DirectoryMode).Dispose();
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = LockFileMode;
        }
        try
        {
            // FileShare.None takes flock(LOCK_EX | LOCK_NB) on Unix.
            return new GuestLock(new FileStream(path, options));
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Releases the lock.</summary>
    public void Dispose() => _file.Dispose();
}
