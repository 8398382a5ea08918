namespace Miniguest.Core;

/// <summary>A guest on this host: its link under <c>/etc/miniguests</c> and, for guests installed with
/// <c>miniguest install</c>, its profile. Declarative guests have a link straight into the store and no profile.</summary>
internal sealed class Guest
{
    private readonly MiniguestPaths _paths;

    internal Guest(MiniguestPaths paths, GuestName name)
    {
        _paths = paths;
        Name = name;
        Profile = new GuestProfile(paths, name);
    }

    /// <summary>The guest's name.</summary>
    public GuestName Name { get; }

    /// <summary>The guest's link, <c>/etc/miniguests/NAME</c>: the guest's current generation, whose files its domain
    /// is defined with (where they really are in the store; a new generation defines the domain again).</summary>
    public string Link => _paths.Link(Name);

    /// <summary>The guest's profile (it does not exist for declarative guests).</summary>
    public GuestProfile Profile { get; }

    /// <summary>Whether the guest was installed with <c>miniguest install</c> (it has a profile).</summary>
    public bool IsImperative => Profile.Exists;

    /// <summary>Where the guest was installed from, or <see langword="null"/> for a declarative guest.</summary>
    /// <exception cref="GuestFileException">The profile's manifest is corrupt.</exception>
    public FlakeSource? Source =>
        IsImperative ? ProfileManifest.ReadSource(System.IO.Path.Combine(Profile.Path, ProfileManifest.FileName)) : null;

    /// <summary>The store path the guest's link leads to now.</summary>
    public string? StorePath =>
        Directory.ResolveLinkTarget(Link, returnFinalTarget: true)?.FullName;

    /// <summary>Reads the guest's <c>miniguest-config.json</c> through its link: what kind of guest it is, without
    /// checking the rest of its build output as <see cref="LoadSystem"/> does.</summary>
    /// <exception cref="GuestFileException">The file is missing, corrupt or outside the Nix store.</exception>
    public GuestConfig LoadConfig() => GuestConfig.Load(NixStore.Resolve(System.IO.Path.Combine(Link, GuestConfig.FileName)));

    /// <summary>Reads the guest's system through its link.</summary>
    /// <exception cref="GuestFileException">A file of the guest is missing, corrupt or outside the Nix store.</exception>
    public GuestSystem LoadSystem() => GuestSystem.Load(Link);
}
