using System.Text.Json;

namespace Miniguest.Core;

/// <summary>What this host knows of a guest it installed on another host, and trusts: nothing of it is read back from
/// that host.</summary>
/// <param name="Uri">The libvirt URI of the guest's host.</param>
/// <param name="Source">The flake the guest was last installed or upgraded from here, as this host resolved it;
/// <see langword="null"/> for a guest installed before this host recorded it.</param>
/// <param name="StorePath">The profile that install or upgrade made the guest's generation there.</param>
internal sealed record RemoteGuest(string Uri, FlakeSource? Source = null, string? StorePath = null);

/// <summary>The guests this host installed on other hosts, each with its host's libvirt URI and the flake it was built
/// from (<c>/var/lib/miniguest/remote/NAME</c>): a guest remembers where it lives, so later commands need no <c>-c</c>,
/// and what it is upgraded from, so that no flake reference is ever taken from the other host. The guest itself
/// (profile, link, domain) is on its host.</summary>
internal sealed class RemoteGuests(MiniguestPaths paths)
{
    /// <summary>Every recorded guest and its host's URI, by name.</summary>
    public IReadOnlyDictionary<GuestName, string> All()
    {
        var all = new SortedDictionary<GuestName, string>();
        foreach (var file in DirectoryNames.Read(paths.RemoteGuests))
        {
            if (GuestName.TryParse(file, out var name) && UriOf(name) is { } uri)
            {
                all[name] = uri;
            }
        }
        return all;
    }

    /// <summary>The URI of the host the guest was installed on; <see langword="null"/> for a guest of no other host.</summary>
    public string? UriOf(GuestName name) => Get(name)?.Uri;

    /// <summary>What this host recorded of the guest; <see langword="null"/> for a guest of no other host. A record
    /// written before the flake was recorded holds only the URI, one line.</summary>
    /// <exception cref="GuestFileException">The record does not parse.</exception>
    public RemoteGuest? Get(GuestName name)
    {
        var file = Path.Combine(paths.RemoteGuests, name.Value);
        var text = File.Exists(file) ? SmallFile.ReadText(file).Trim() : "";
        if (!text.StartsWith('{'))
        {
            return text.Length > 0 ? new RemoteGuest(text) : null;
        }
        try
        {
            return JsonSerializer.Deserialize(text, CoreJsonContext.Default.RemoteGuest) is { Uri.Length: > 0 } recorded
                && recorded.Source is null or { OriginalUrl: not null, ResolvedUrl: not null, AttrPath: not null }
                ? recorded
                : throw new GuestFileException(file, "names no host");
        }
        catch (JsonException e)
        {
            throw new GuestFileException(file, $"not valid JSON ({e.Message})", e);
        }
    }

    /// <summary>Records <paramref name="guest"/>, whole or not at all.</summary>
    public void Record(GuestName name, RemoteGuest guest)
    {
        using var directory = DirectoryHandle.OpenOrCreate(paths.RemoteGuests, GuestStateDirectory.DirectoryMode);
        directory.WriteFile(name.Value, JsonSerializer.Serialize(guest, CoreJsonContext.Default.RemoteGuest) + "\n",
            GuestStateDirectory.FileMode);
    }

    /// <summary>Forgets the guest.</summary>
    public void Forget(GuestName name)
    {
        using var directory = DirectoryHandle.TryOpen(paths.RemoteGuests);
        directory?.Delete(name.Value);
    }
}
