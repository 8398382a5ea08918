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
        DirectoryHandle.OpenOrCreate(Path.GetDirectoryName(path)!, GuestStateDirectory.DirectoryMode).Dispose();
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = LockFileMode;
        }
        var told = false;
        while (true)
        {
            try
            {
                // FileShare.None takes flock(LOCK_EX | LOCK_NB) on Unix.
                return new GuestLock(new FileStream(path, options));
            }
            catch (IOException) when (!cancellationToken.IsCancellationRequested)
            {
                if (!told)
                {
                    logger.LogInformation("Waiting for another miniguest command on '{Guest}' to finish", name);
                    told = true;
                }
                await Task.Delay(RetryInterval, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Releases the lock.</summary>
    public void Dispose() => _file.Dispose();
}
