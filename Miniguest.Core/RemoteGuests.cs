namespace Miniguest.Core;

/// <summary>The guests this host installed on other hosts, each with its host's libvirt URI
/// (<c>/var/lib/miniguest/remote/NAME</c>): a guest remembers where it lives, so later commands need no <c>-c</c>. The
/// guest itself (profile, link, domain) is on its host; this is only where to find it.</summary>
internal sealed class RemoteGuests(MiniguestPaths paths)
{
    /// <summary>Every recorded guest and its host's URI, by name.</summary>
    public IReadOnlyDictionary<string, string> All()
    {
        var all = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in DirectoryNames.Read(paths.RemoteGuests))
        {
            if (GuestName.IsValid(name) && UriOf(name) is { } uri)
            {
                all[name] = uri;
            }
        }
        return all;
    }

    /// <summary>The URI of the host the guest was installed on; <see langword="null"/> for a guest of no other host.</summary>
    public string? UriOf(string name)
    {
        var file = Path.Combine(paths.RemoteGuests, GuestName.Validate(name));
        return File.Exists(file) && SmallFile.ReadText(file).Trim() is { Length: > 0 } uri ? uri : null;
    }

    /// <summary>Records that the guest lives on the host of <paramref name="uri"/>, whole or not at all.</summary>
    public void Record(string name, string uri)
    {
        using var directory = DirectoryHandle.OpenOrCreate(paths.RemoteGuests, GuestStateDirectory.DirectoryMode);
        directory.WriteFile(GuestName.Validate(name), uri + "\n", GuestStateDirectory.FileMode);
    }

    /// <summary>Forgets the guest.</summary>
    public void Forget(string name)
    {
        using var directory = DirectoryHandle.TryOpen(paths.RemoteGuests);
        directory?.Delete(GuestName.Validate(name));
    }
}
