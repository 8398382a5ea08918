namespace Miniguest.Core;

/// <summary>A guest's own directory in Miniguest's state (<c>/var/lib/miniguest/guests/NAME</c>): the records of the
/// domain Miniguest defined for it, the garbage-collector roots of the generations that domain needs, a VM's console log, a container's id range and, in a directory of its own
/// (<c>container</c>), its root. Root's, but for the container's, which the running container owns: so it is only ever
/// written and deleted through <see cref="DirectoryHandle"/>.</summary>
internal sealed class GuestStateDirectory(MiniguestPaths paths, GuestName name)
{
    /// <summary>rwxr-xr-x: the mapped root of a container must be able to reach its root directory below.</summary>
    public const UnixFileMode DirectoryMode = (UnixFileMode)0b111_101_101;

    /// <summary>rw-r--r--.</summary>
    public const UnixFileMode FileMode = (UnixFileMode)0b110_100_100;

    /// <summary>Writes one of the guest's state files (a file name in <see cref="MiniguestPaths"/>), whole or not at all.</summary>
    public void Write(string file, string text)
    {
        using var directory = DirectoryHandle.OpenOrCreate(paths.GuestState(name), DirectoryMode);
        directory.WriteFile(Path.GetFileName(file), text, FileMode);
    }

    /// <summary>Deletes one of the guest's state files (a file name in <see cref="MiniguestPaths"/>), if it is there.</summary>
    public void DeleteFile(string file)
    {
        using var directory = DirectoryHandle.TryOpen(paths.GuestState(name));
        directory?.Delete(Path.GetFileName(file));
    }

    /// <summary>The UUID of the domain Miniguest recorded when it defined the guest's, if any.</summary>
    public Guid? RecordedDomainUuid()
    {
        var file = paths.DomainUuidFile(name);
        return File.Exists(file) && Guid.TryParse(SmallFile.ReadText(file).Trim(), out var uuid) ? uuid : null;
    }

    /// <summary>Deletes the directory and everything in it, following no link in it; but a container's root, which is
    /// the guest's data, with <paramref name="keepContainerRoot"/>, and with it the id range its files belong to; and the
    /// garbage-collector roots (<see cref="MiniguestPaths.GenerationRoots"/>) with <paramref name="keepGenerationRoots"/>,
    /// for a domain that stays defined.</summary>
    public void Delete(bool keepContainerRoot = false, bool keepGenerationRoots = false)
    {
        using var guests = DirectoryHandle.TryOpen(Path.GetDirectoryName(paths.GuestState(name))!);
        if (guests is null)
        {
            return;
        }
        string[] roots = [Path.GetFileName(paths.ContainerDirectory(name)), Path.GetFileName(paths.FormerContainerRoot(name))];
        var generationRoots = Path.GetFileName(paths.GenerationRoots(name));
        using (var directory = keepContainerRoot || keepGenerationRoots ? guests.TryOpenDirectory(name.Value) : null)
        {
            var entries = directory?.Names() ?? [];
            List<string> kept = keepContainerRoot && entries.Intersect(roots).Any() ? [.. roots, Path.GetFileName(paths.IdRangeFile(name))] : [];
            if (keepGenerationRoots && entries.Contains(generationRoots))
            {
                kept.Add(generationRoots);
            }
            if (kept.Count > 0)
            {
                foreach (var entry in entries.Except(kept))
                {
                    directory!.Delete(entry);
                }
                return;
            }
        }
        guests.Delete(name.Value);
    }

    /// <summary>Deletes what a command killed while writing a state file left (<see cref="DirectoryHandle.TemporaryName"/>).</summary>
    public void DeleteTemporaryFiles()
    {
        using var directory = DirectoryHandle.TryOpen(paths.GuestState(name));
        foreach (var entry in directory?.Names() ?? [])
        {
            if (DirectoryHandle.IsTemporaryName(entry))
            {
                directory!.Delete(entry);
            }
        }
    }
}
