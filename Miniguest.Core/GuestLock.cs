using Microsoft.Extensions.Logging;

namespace Miniguest.Core;

/// <summary>An exclusive lock on one guest, held while a command changes it, so that two commands on the same
/// guest take turns. It is an advisory file lock: the kernel releases it when the process dies. The lock file goes
/// with its lock: the command that releases the lock deletes the file while it still holds it, and a command that
/// locked a file deleted so meanwhile sees that the path names another file now, or none, and tries again, so that two
/// commands never hold locks on two files of one name. A command killed while it held a lock leaves its file: the next
/// command that takes a guest's lock deletes such files in the same way, as their holder, once they are a minute old and
/// no one holds them.</summary>
internal sealed class GuestLock : IDisposable
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(100);

    // A lock file is made and locked at once; one that no one holds a minute after it was made was left by a command killed
    // while it held it.
    private static readonly TimeSpan AbandonedAge = TimeSpan.FromMinutes(1);

    // rw-------: a lock file only root opens, so no one else can hold a guest's lock.
    private const UnixFileMode LockFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly FileStream _file;
    private readonly string _path;
    private bool _released;

    private GuestLock(FileStream file, string path)
    {
        _file = file;
        _path = path;
    }

    /// <summary>Takes the lock on <paramref name="name"/>, waiting while another command holds it; then deletes the lock
    /// files that commands killed while they held them left behind (<see cref="ClearAbandoned"/>).</summary>
    public static async Task<GuestLock> AcquireAsync(MiniguestPaths paths, GuestName name, ILogger logger,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var path = paths.LockFile(name);
        var told = false;
        while (true)
        {
            if (Take(path) is { } taken)
            {
                ClearAbandoned(Path.GetDirectoryName(path)!, path);
                return taken;
            }
            cancellationToken.ThrowIfCancellationRequested();
            if (!told)
            {
                logger.LogInformation("waiting for another miniguest command on '{Guest}' to finish", name.Value);
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
            if (Take(path) is { } taken)
            {
                return taken;
            }
            Thread.Sleep(RetryInterval);
        }
    }

    /// <summary>Deletes the lock files in <paramref name="directory"/> (but <paramref name="own"/>) that no command holds,
    /// a minute or more after they were made: each was left by a command killed while it held it, and no later command
    /// may ever come to delete it, when no command names its guest again. Each is deleted as its holder would delete it:
    /// under its lock, so that a command that takes it meanwhile is never left holding a deleted file.</summary>
    internal static void ClearAbandoned(string directory, string own)
    {
        List<string> files;
        try
        {
            files = [.. Directory.EnumerateFiles(directory, "*.lock")];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }
        foreach (var file in files.Where(file => file != own))
        {
            try
            {
                if (DateTime.UtcNow - File.GetLastWriteTimeUtc(file) >= AbandonedAge)
                {
                    TryTake(file, create: false)?.Dispose();
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another command's business: it may hold it, or have deleted it.
            }
        }
    }

    // TryTake, for a command that needs the lock: where the locks are root's and this user is not, it needs root.
    private static GuestLock? Take(string path)
    {
        try
        {
            return TryTake(path);
        }
        catch (Exception e) when (RootAccess.Refused(e, Environment.IsPrivilegedProcess))
        {
            throw new RootRequiredException(Path.GetDirectoryName(path)!, e);
        }
    }

    // The lock of the file at path, made if there is none (unless create is false: then null); null while another command
    // holds it.
    private static GuestLock? TryTake(string path, bool create = true)
    {
        DirectoryHandle.OpenOrCreate(Path.GetDirectoryName(path)!, GuestStateDirectory.DirectoryMode).Dispose();
        var options = new FileStreamOptions
        {
            Mode = create ? FileMode.OpenOrCreate : FileMode.Open,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
        };
        if (create && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = LockFileMode;
        }
        while (true)
        {
            FileStream file;
            try
            {
                // FileShare.None takes flock(LOCK_EX | LOCK_NB) on Unix.
                file = new FileStream(path, options);
            }
            catch (IOException)
            {
                return null;
            }
            // Locked, but perhaps a file its holder deleted as it let go, after this command opened it: then the path
            // names another file, or none, and the lock is the one of that file.
            if (FileStatus.OfEntry(path) is { } named && named.IsSameFile(FileStatus.OfDescriptor(file.SafeFileHandle)))
            {
                return new GuestLock(file, path);
            }
            file.Dispose();
        }
    }

    /// <summary>Releases the lock, and deletes its file first, while it is still held.</summary>
    public void Dispose()
    {
        if (_released)
        {
            return;
        }
        _released = true;
        try
        {
            // Only the file this lock holds: one deleted by someone else meanwhile may have given way to another's.
            if (FileStatus.OfEntry(_path) is { } named && named.IsSameFile(FileStatus.OfDescriptor(_file.SafeFileHandle)))
            {
                File.Delete(_path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A lock file left behind is harmless: the next command locks it and deletes it.
        }
        finally
        {
            _file.Dispose();
        }
    }
}
