namespace Miniguest.Core;

/// <summary>What is at a guest's path under <c>/etc/miniguests</c>.</summary>
internal enum GuestLinkState
{
    /// <summary>Nothing.</summary>
    Missing,

    /// <summary>A link to the guest's profile: Miniguest's own.</summary>
    Profile,

    /// <summary>A link into the Nix store: a declarative guest, managed by the host's NixOS configuration.</summary>
    Declarative,

    /// <summary>Anything else: Miniguest never touches it.</summary>
    Foreign,
}

/// <summary>The guests on this host, found from <c>/etc/miniguests</c> and the profiles directory.</summary>
internal sealed class GuestStore(MiniguestPaths paths)
{
    /// <summary>Where things are.</summary>
    public MiniguestPaths Paths { get; } = paths;

    /// <summary>The names of every guest, sorted: the files of the guests' links and profiles that are guests' names
    /// (Nix's and Miniguest's other files beside them are not).</summary>
    public IReadOnlyList<GuestName> Names()
    {
        var names = new SortedSet<GuestName>();
        foreach (var file in DirectoryNames.Read(Paths.Guests))
        {
            if (GuestName.TryParse(file, out var name) && LinkState(name) is GuestLinkState.Profile or GuestLinkState.Declarative)
            {
                names.Add(name);
            }
        }
        foreach (var file in DirectoryNames.Read(Paths.Profiles))
        {
            if (GuestName.TryParse(file, out var name) && !names.Contains(name) && new FileInfo(Paths.Profile(name)).LinkTarget is not null)
            {
                names.Add(name);
            }
        }
        return [.. names];
    }

    /// <summary>The guest called <paramref name="name"/>.</summary>
    /// <exception cref="GuestNotFoundException">No such guest is installed.</exception>
    public Guest Get(GuestName name)
    {
        var guest = new Guest(Paths, name);
        if (!guest.IsImperative && LinkState(name) != GuestLinkState.Declarative)
        {
            throw new RemoteGuests(Paths).UriOf(name) is { } uri ? new GuestOnOtherHostException(name.Value, uri) : new GuestNotFoundException(name.Value);
        }
        return guest;
    }

    /// <summary>What is at the guest's link path.</summary>
    public GuestLinkState LinkState(GuestName name)
    {
        var link = new FileInfo(Paths.Link(name));
        if (link.LinkTarget is not { } target)
        {
            return link.Exists || Directory.Exists(link.FullName) ? GuestLinkState.Foreign : GuestLinkState.Missing;
        }
        if (target == Paths.Profile(name))
        {
            return GuestLinkState.Profile;
        }
        // A NixOS host links declared guests through /etc/static into the store.
        var final = link.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? target;
        return final.StartsWith("/nix/store/", StringComparison.Ordinal) ? GuestLinkState.Declarative : GuestLinkState.Foreign;
    }

    /// <summary>Links <c>/etc/miniguests/NAME</c> to the guest's profile.</summary>
    /// <exception cref="ForeignFileException">Something else is at the link's path.</exception>
    internal void LinkToProfile(GuestName name)
    {
        var state = LinkState(name);
        if (state is GuestLinkState.Foreign or GuestLinkState.Declarative)
        {
            throw new ForeignFileException(Paths.Link(name), $"it is not a link to {Paths.Profile(name)}");
        }
        using var guests = DirectoryHandle.OpenOrCreate(Paths.Guests, GuestStateDirectory.DirectoryMode);
        guests.ReplaceLink(name.Value, Paths.Profile(name));
    }

    /// <summary>Removes <c>/etc/miniguests/NAME</c> if it is the link to the guest's profile.</summary>
    /// <exception cref="ForeignFileException">Something else is at the link's path.</exception>
    internal void Unlink(GuestName name)
    {
        switch (LinkState(name))
        {
            case GuestLinkState.Profile:
                File.Delete(Paths.Link(name));
                break;
            case GuestLinkState.Foreign or GuestLinkState.Declarative:
                throw new ForeignFileException(Paths.Link(name), $"it is not a link to {Paths.Profile(name)}");
        }
    }
}

/// <summary>No guest of that name is installed.</summary>
public sealed class GuestNotFoundException(string name) : MiniguestException($"no guest named '{name}' is installed")
{
    /// <summary>The name looked for.</summary>
    public string Name { get; } = name;
}

/// <summary>The guest was installed on another host: its files are there, not in this host's store of guests
/// (<see cref="GuestHost"/>'s commands reach it there).</summary>
public sealed class GuestOnOtherHostException(string name, string uri)
    : MiniguestException($"guest '{name}' lives on {uri}: its files are there, not on this host")
{
    /// <summary>The guest's name.</summary>
    public string Name { get; } = name;

    /// <summary>The libvirt URI of its host.</summary>
    public string Uri { get; } = uri;
}

/// <summary>A path Miniguest would write is held by something it did not make; it is left alone.</summary>
public sealed class ForeignFileException(string path, string problem)
    : MiniguestException($"{path}: {problem}; refusing to touch it")
{
    /// <summary>The path left alone.</summary>
    public string Path { get; } = path;
}
