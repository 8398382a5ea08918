using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Miniguest.Core;

/// <summary>
/// A directory held open by its descriptor, with every operation below it made relative to that descriptor and
/// never through a symbolic link, at any step (<c>openat</c>, <c>mkdirat</c>, <c>unlinkat</c>, <c>renameat</c> with
/// <c>O_NOFOLLOW</c>). Root works this way in every tree that someone else can write while it works there: a
/// container's root, which the running container owns; the directory <c>template</c> writes to; the directories of
/// links and state. Any name in such a tree may become a link at any moment: a link is removed or refused, never
/// followed, and a directory swapped away mid-way is only ever reached through the descriptor already held.
/// </summary>
public sealed class DirectoryHandle : IDisposable
{
    // How many times a name swapped under a deletion is tried again before giving up.
    private const int MaxDeleteAttempts = 100;

    private readonly SafeFileHandle _descriptor;

    private DirectoryHandle(SafeFileHandle descriptor, string path)
    {
        _descriptor = descriptor;
        Path = path;
    }

    /// <summary>The path the directory was reached by, for messages: what is there may have moved since.</summary>
    public string Path { get; }

    /// <summary>Where the directory really is now, read back from the kernel (<c>/proc/self/fd</c>).</summary>
    public string RealPath =>
        Core.RealPath.OfDescriptor(Descriptor) ?? throw new IOException($"{Path}: cannot tell where the directory is");

    private int Descriptor => (int)_descriptor.DangerousGetHandle();

    /// <summary>Opens the directory at <paramref name="path"/>, a path no one else can change (links on the way are
    /// the administrator's and are followed); everything below it is then reached through the handle.</summary>
    /// <exception cref="IOException">It is not a directory, or cannot be opened.</exception>
    public static DirectoryHandle Open(string path) =>
        TryOpen(path) ?? throw Failure(path, "cannot open the directory", LibC.ENOENT);

    /// <summary>Opens the directory at <paramref name="path"/>, or <see langword="null"/> where there is none.</summary>
    /// <exception cref="IOException">It is not a directory, or cannot be opened.</exception>
    public static DirectoryHandle? TryOpen(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var descriptor = LibC.openat(LibC.AtFdCwd, path, LibC.ReadOnly | LibC.DirectoryOnly | LibC.CloseOnExec, 0);
        if (descriptor < 0)
        {
            var error = Marshal.GetLastPInvokeError();
            return error == LibC.ENOENT ? null : throw Failure(path, "cannot open the directory", error);
        }
        return new DirectoryHandle(new SafeFileHandle(descriptor, ownsHandle: true), path);
    }

    /// <summary>Opens the directory at <paramref name="path"/>, creating it and any missing directory above it with
    /// <paramref name="mode"/> (whatever the process's umask).</summary>
    /// <exception cref="IOException">It cannot be created or opened.</exception>
    public static DirectoryHandle OpenOrCreate(string path, UnixFileMode mode)
    {
        path = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(path));
        if (TryOpen(path) is { } existing)
        {
            return existing;
        }
        var parentPath = System.IO.Path.GetDirectoryName(path) ?? throw Failure(path, "cannot open the directory", LibC.ENOENT);
        using var parent = OpenOrCreate(parentPath, mode);
        return parent.CreateDirectory(System.IO.Path.GetFileName(path), mode);
    }

    /// <summary>The name under which Miniguest writes a new <paramref name="name"/> before renaming it into place: it
    /// starts with a dot, which no guest name does, so it never belongs to a guest.</summary>
    public static string TemporaryName(string name) => "." + name + ".tmp";

    /// <summary>Whether <paramref name="name"/> is a <see cref="TemporaryName"/>.</summary>
    public static bool IsTemporaryName(string name) =>
        name.Length > 5 && name[0] == '.' && name.EndsWith(".tmp", StringComparison.Ordinal);

    /// <summary>The child directory <paramref name="name"/>, or <see langword="null"/> where there is none.</summary>
    /// <exception cref="IOException">It is a link or not a directory (it is not followed), or cannot be opened.</exception>
    public DirectoryHandle? TryOpenDirectory(string name)
    {
        var descriptor = LibC.openat(Descriptor, CheckName(name),
            LibC.ReadOnly | LibC.DirectoryOnly | LibC.NoFollow | LibC.CloseOnExec, 0);
        if (descriptor < 0)
        {
            var error = Marshal.GetLastPInvokeError();
            return error switch
            {
                LibC.ENOENT => null,
                LibC.ELOOP or LibC.ENOTDIR => throw new IOException(
                    $"{Child(name)}: a symbolic link or not a directory, where a directory should be; not following it"),
                _ => throw Failure(Child(name), "cannot open the directory", error),
            };
        }
        return new DirectoryHandle(new SafeFileHandle(descriptor, ownsHandle: true), Child(name));
    }

    /// <summary>The child directory <paramref name="name"/>, created with <paramref name="mode"/> (whatever the
    /// process's umask) if it is missing; one that exists keeps its mode.</summary>
    /// <exception cref="IOException">It is a link or not a directory (it is not followed), or cannot be made.</exception>
    public DirectoryHandle CreateDirectory(string name, UnixFileMode mode)
    {
        var created = LibC.mkdirat(Descriptor, CheckName(name), (uint)mode) == 0;
        if (!created && Marshal.GetLastPInvokeError() is var error and not LibC.EEXIST)
        {
            throw Failure(Child(name), "cannot create the directory", error);
        }
        var child = TryOpenDirectory(name) ?? throw Failure(Child(name), "cannot open the directory", LibC.ENOENT);
        if (created)
        {
            child.SetMode(mode);
        }
        return child;
    }

    /// <summary>Makes the regular file <paramref name="name"/>, which must not exist (<c>O_EXCL</c>: a link there is not
    /// followed), with <paramref name="mode"/> whatever the umask, and opens it for reading and writing.</summary>
    /// <exception cref="IOException">Something is there, or it cannot be made.</exception>
    public SafeFileHandle CreateFile(string name, UnixFileMode mode)
    {
        var descriptor = LibC.openat(Descriptor, CheckName(name),
            LibC.ReadWrite | LibC.Create | LibC.Exclusive | LibC.NoFollow | LibC.CloseOnExec, (uint)mode);
        if (descriptor < 0)
        {
            throw Failure(Child(name), "cannot create the file", Marshal.GetLastPInvokeError());
        }
        var file = new SafeFileHandle(descriptor, ownsHandle: true);
        if (LibC.fchmod(descriptor, (uint)mode) != 0)
        {
            var error = Marshal.GetLastPInvokeError();
            file.Dispose();
            throw Failure(Child(name), "cannot set its mode", error);
        }
        return file;
    }

    /// <summary>Opens the file <paramref name="name"/> for reading and writing, never through a link and without waiting
    /// on a pipe or a device; <see langword="null"/> where there is none. The caller looks at what it opened
    /// (<see cref="FileStatus.OfDescriptor"/>).</summary>
    /// <exception cref="IOException">It is a link (not followed) or a directory, or cannot be opened.</exception>
    public SafeFileHandle? TryOpenFile(string name)
    {
        var descriptor = LibC.openat(Descriptor, CheckName(name), LibC.ReadWrite | LibC.NoFollow | LibC.NonBlocking | LibC.CloseOnExec, 0);
        if (descriptor < 0)
        {
            var error = Marshal.GetLastPInvokeError();
            return error switch
            {
                LibC.ENOENT => null,
                LibC.ELOOP => throw new IOException($"{Child(name)}: a symbolic link, where a file should be; not following it", error),
                _ => throw Failure(Child(name), "cannot open the file", error),
            };
        }
        return new SafeFileHandle(descriptor, ownsHandle: true);
    }

    /// <summary>What this directory is now, and whose (the one held open, wherever it is now).</summary>
    internal FileStatus Status => FileStatus.OfDescriptor(_descriptor);

    /// <summary>Makes <paramref name="owner"/> and <paramref name="group"/> own this directory (the one held open,
    /// wherever it is now).</summary>
    /// <exception cref="IOException">The change failed (changing owners needs root).</exception>
    public void ChangeOwner(uint owner, uint group)
    {
        if (LibC.fchown(Descriptor, owner, group) != 0)
        {
            throw Failure(Path, $"cannot make {owner}:{group} its owner", Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>Makes <paramref name="owner"/> and <paramref name="group"/> own the entry <paramref name="name"/> itself (a
    /// link there, not what it leads to).</summary>
    /// <exception cref="IOException">The change failed (changing owners needs root).</exception>
    public void ChangeOwner(string name, uint owner, uint group)
    {
        if (LibC.fchownat(Descriptor, CheckName(name), owner, group, LibC.AtSymlinkNoFollow) != 0)
        {
            throw Failure(Child(name), $"cannot make {owner}:{group} its owner", Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>Sets this directory's mode.</summary>
    /// <exception cref="IOException">The change failed.</exception>
    public void SetMode(UnixFileMode mode)
    {
        if (LibC.fchmod(Descriptor, (uint)mode) != 0)
        {
            throw Failure(Path, "cannot set its mode", Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>Writes <paramref name="content"/> as the file <paramref name="name"/>, with <paramref name="mode"/>:
    /// into a new file made exclusively under its <see cref="TemporaryName"/>, synced, then renamed over whatever was
    /// at <paramref name="name"/> (a link there is replaced, never written through). A reader sees the old file or the
    /// new one, never a part.</summary>
    /// <exception cref="IOException">It cannot be written.</exception>
    public void WriteFile(string name, ReadOnlySpan<byte> content, UnixFileMode mode) => WriteFile(name, content, mode, owner: null);

    /// <summary>As <see cref="WriteFile(string, ReadOnlySpan{byte}, UnixFileMode)"/>, the new file given to
    /// <paramref name="owner"/> before anything is written in it.</summary>
    public void WriteFile(string name, ReadOnlySpan<byte> content, UnixFileMode mode, (uint Uid, uint Gid)? owner)
    {
        var temporary = TemporaryName(CheckName(name));
        RemoveEntry(temporary);
        var descriptor = LibC.openat(Descriptor, temporary,
            LibC.WriteOnly | LibC.Create | LibC.Exclusive | LibC.NoFollow | LibC.CloseOnExec, (uint)mode);
        if (descriptor < 0)
        {
            throw Failure(Child(name), "cannot create the file", Marshal.GetLastPInvokeError());
        }
        try
        {
            using (var file = new SafeFileHandle(descriptor, ownsHandle: true))
            {
                if (LibC.fchmod(descriptor, (uint)mode) != 0)
                {
                    throw Failure(Child(name), "cannot set its mode", Marshal.GetLastPInvokeError());
                }
                if (owner is var (uid, gid) && LibC.fchown(descriptor, uid, gid) != 0)
                {
                    throw Failure(Child(name), $"cannot make {uid}:{gid} its owner", Marshal.GetLastPInvokeError());
                }
                RandomAccess.Write(file, content, fileOffset: 0);
                RandomAccess.FlushToDisk(file);
            }
            CrashPoint.Reach(CrashPoint.TemporaryMade);
            Rename(temporary, name);
        }
        catch
        {
            RemoveEntry(temporary);
            throw;
        }
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 (see <see cref="WriteFile(string, ReadOnlySpan{byte}, UnixFileMode)"/>).</summary>
    public void WriteFile(string name, string text, UnixFileMode mode) => WriteFile(name, Encoding.UTF8.GetBytes(text), mode);

    /// <summary>Makes <paramref name="name"/> a symbolic link to <paramref name="target"/>: a new link made under its
    /// <see cref="TemporaryName"/> (<c>symlinkat</c> never replaces anything), renamed over the old one, so a reader
    /// sees the old link or the new one, never none.</summary>
    /// <exception cref="IOException">It cannot be made.</exception>
    public void ReplaceLink(string name, string target)
    {
        var temporary = TemporaryName(CheckName(name));
        RemoveEntry(temporary);
        if (LibC.symlinkat(target, Descriptor, temporary) != 0)
        {
            throw Failure(Child(name), "cannot create the link", Marshal.GetLastPInvokeError());
        }
        try
        {
            CrashPoint.Reach(CrashPoint.TemporaryMade);
            Rename(temporary, name);
        }
        catch
        {
            RemoveEntry(temporary);
            throw;
        }
    }

    /// <summary>Moves the entry <paramref name="name"/> (a link itself, never what it leads to) into
    /// <paramref name="destination"/> as <paramref name="newName"/>, on the same file system; nothing there is replaced.</summary>
    /// <exception cref="IOException">It cannot be moved, or <paramref name="newName"/> exists there.</exception>
    public void Move(string name, DirectoryHandle destination, string newName)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (LibC.renameat2(Descriptor, CheckName(name), destination.Descriptor, CheckName(newName), LibC.RenameNoReplace) != 0)
        {
            throw Failure(Child(name), $"cannot move it to {destination.Child(newName)}", Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>Deletes <paramref name="name"/>, whatever it is, and for a directory everything in it, never following
    /// a link: a link is deleted itself, and a directory is emptied through a descriptor of its own, so a name swapped
    /// for a link mid-way leads nowhere outside. Nothing there is not an error.</summary>
    /// <exception cref="IOException">Something cannot be deleted, or the tree kept changing under the deletion.</exception>
    public void Delete(string name)
    {
        CheckName(name);
        for (var attempt = 1; ; attempt++)
        {
            if (LibC.unlinkat(Descriptor, name, 0) == 0)
            {
                return;
            }
            var error = Marshal.GetLastPInvokeError();
            // A read-only file system refuses to delete even a name it does not hold.
            if (error == LibC.ENOENT || error == LibC.EROFS && !Names().Contains(name))
            {
                return;
            }
            if (error != LibC.EISDIR)
            {
                throw Failure(Child(name), "cannot delete it", error);
            }
            using (var directory = TryOpenDirectoryOrNull(name))
            {
                foreach (var entry in directory?.Names() ?? [])
                {
                    directory!.Delete(entry);
                }
            }
            if (LibC.unlinkat(Descriptor, name, LibC.AtRemoveDir) == 0)
            {
                return;
            }
            error = Marshal.GetLastPInvokeError();
            if (error == LibC.ENOENT)
            {
                return;
            }
            // Swapped for a link or a file, or filled again, while it was emptied: start over with what is there now.
            if (error is not (LibC.ENOTDIR or LibC.ENOTEMPTY) || attempt == MaxDeleteAttempts)
            {
                throw Failure(Child(name), "cannot delete it", error);
            }
        }
    }

    /// <summary>Every name in the directory but <c>.</c> and <c>..</c>, in no particular order.</summary>
    /// <exception cref="IOException">The directory cannot be read.</exception>
    public IReadOnlyList<string> Names()
    {
        // A directory stream owns its descriptor: give it one of its own, opened afresh on the same directory.
        var descriptor = LibC.openat(Descriptor, ".", LibC.ReadOnly | LibC.DirectoryOnly | LibC.CloseOnExec, 0);
        if (descriptor < 0)
        {
            throw Failure(Path, "cannot read the directory", Marshal.GetLastPInvokeError());
        }
        var stream = LibC.fdopendir(descriptor);
        if (stream == 0)
        {
            var error = Marshal.GetLastPInvokeError();
            _ = LibC.close(descriptor);
            throw Failure(Path, "cannot read the directory", error);
        }
        return DirectoryNames.ReadStream(stream, Path);
    }

    /// <summary>Closes the directory.</summary>
    public void Dispose() => _descriptor.Dispose();

    // Deletes a name that is not a directory, if it is there (a link is deleted itself).
    private void RemoveEntry(string name)
    {
        if (LibC.unlinkat(Descriptor, name, 0) != 0 && Marshal.GetLastPInvokeError() is var error and not LibC.ENOENT)
        {
            throw Failure(Child(name), "cannot delete it", error);
        }
    }

    private void Rename(string from, string to)
    {
        if (LibC.renameat(Descriptor, from, Descriptor, to) != 0)
        {
            throw Failure(Child(to), "cannot replace it", Marshal.GetLastPInvokeError());
        }
    }

    // The child directory, or null where the name is gone or is no longer a directory (a deletion then tries again).
    private DirectoryHandle? TryOpenDirectoryOrNull(string name)
    {
        try
        {
            return TryOpenDirectory(name);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private string Child(string name) => Path == "/" ? "/" + name : Path + "/" + name;

    // A name is one component: never a path, never "." or "..", so that no operation leaves this directory.
    private static string CheckName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name is "." or ".." || name.Contains('/') || name.Contains('\0'))
        {
            throw new ArgumentException($"'{name}' is not a name within a directory", nameof(name));
        }
        return name;
    }

    // With the error number as its HResult, as .NET's own I/O errors on Unix carry it.
    private static IOException Failure(string path, string what, int error) =>
        new($"{path}: {what}: {Marshal.GetPInvokeErrorMessage(error)}", error);
}
