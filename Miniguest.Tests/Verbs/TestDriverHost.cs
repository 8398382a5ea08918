using Miniguest.Core;
using Miniguest.Libvirt;
using Miniguest.Tests.Integration;

namespace Miniguest.Tests.Verbs;

/// <summary>
/// A <see cref="GuestHost"/> whose libvirt is libvirt's own test driver (<see cref="TestDriverConnector"/>) and whose Nix
/// records what it is asked (<see cref="RecordingNix"/>), over guests installed in a directory of the test's own: a guest's
/// build output is a small one added to the real store, linked as <c>nix profile</c> links a generation. What runs is
/// Core's own code, every step but the two it is given; the integration tiers prove those on the real stack.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class TestDriverHost : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("miniguest-verbs-");
    private readonly List<string> _names = [];

    public TestDriverHost(string uri = TestDriverConnector.TestUri)
    {
        // As /var/lib is: a container's root, a host uid of its own, passes through it.
        File.SetUnixFileMode(_root.FullName, (UnixFileMode)0b111_101_101);
        Paths = new MiniguestPaths
        {
            Guests = Path.Combine(_root.FullName, "guests"),
            Profiles = Path.Combine(_root.FullName, "profiles"),
            State = Path.Combine(_root.FullName, "state"),
        };
        Directory.CreateDirectory(Paths.Guests);
        Directory.CreateDirectory(Paths.Profiles);
        Host = new GuestHost(new GuestHostOptions { Paths = Paths, Uri = uri }, loggers: null, new GuestHostBackends(Libvirt, Nix));
    }

    public MiniguestPaths Paths { get; }

    public TestDriverConnector Libvirt { get; } = new();

    public RecordingNix Nix { get; } = new RecordingNix().MakingRoots();

    public GuestHost Host { get; }

    /// <summary>A host over the same guests that acts on <paramref name="uri"/> (<c>-c URI</c>).</summary>
    public GuestHost On(string uri) =>
        new(new GuestHostOptions { Paths = Paths, Uri = uri }, loggers: null, new GuestHostBackends(Libvirt, Nix));

    /// <summary>A new guest's name, unique in this process (the test driver's domains are the process's).</summary>
    public string NewName(string kind)
    {
        var name = $"verbs-{kind}-{Guid.NewGuid().ToString("N")[..8]}";
        _names.Add(name);
        return name;
    }

    /// <summary>Installs a guest of <paramref name="type"/> at generation <paramref name="generation"/>, as <c>install</c>
    /// leaves it: the build output in the store, the profile's generation link, the profile, and the guest's link.</summary>
    public string Install(string name, GuestType type, int generation = 1)
    {
        var output = Output(type, generation);
        var guest = GuestName.Parse(name);
        var profile = Paths.Profile(guest);
        var generationLink = $"{profile}-{generation}-link";
        File.CreateSymbolicLink(generationLink, output);
        File.Delete(profile);
        File.CreateSymbolicLink(profile, Path.GetFileName(generationLink));
        if (new FileInfo(Paths.Link(guest)).LinkTarget is null)
        {
            File.CreateSymbolicLink(Paths.Link(guest), profile);
        }
        return output;
    }

    /// <summary>The domain libvirt holds of that name, if any; the caller disposes of it.</summary>
    public Domain? DomainOf(string name) => Libvirt.Keep.TryGetDomain(name, out var domain) ? domain : null;

    /// <summary>A generation as <c>nix profile</c> makes it (its manifest, naming the flake it came from) holding a guest's
    /// build output as the module makes it, with files that boot nothing: the test driver runs no guest. The generation
    /// is written into it, so that each generation is its own store path.</summary>
    public static string Output(GuestType type, int generation)
    {
        var staging = Directory.CreateTempSubdirectory("miniguest-verbs-output-");
        try
        {
            var output = Directory.CreateDirectory(Path.Combine(staging.FullName, $"miniguest-verbs-{type.ToString().ToLowerInvariant()}-{generation}"));
            var config = type == GuestType.Qemu
                ? """{"enable":true,"guestType":"qemu","qemu":{"fsType":"9p"}}"""
                : """{"enable":true,"guestType":"lxc"}""";
            File.WriteAllText(Path.Combine(output.FullName, GuestConfig.FileName), config);
            File.WriteAllText(Path.Combine(output.FullName, "manifest.json"), """
                {"version":2,"elements":[{"active":true,"attrPath":"nixosConfigurations.guest.config.system.build.miniguest",
                "originalUrl":"path:/verbs","url":"path:/verbs","storePaths":[]}]}
                """);
            Directory.CreateDirectory(Path.Combine(output.FullName, "boot"));
            File.WriteAllText(Path.Combine(output.FullName, "boot", "init"), $"generation {generation}\n");
            if (type == GuestType.Qemu)
            {
                File.WriteAllText(Path.Combine(output.FullName, "kernel"), "");
                File.WriteAllText(Path.Combine(output.FullName, "initrd"), "");
                File.WriteAllText(Path.Combine(output.FullName, "kernel-params"), "quiet\n");
            }
            return NixStoreCommand.Add(output.FullName);
        }
        finally
        {
            staging.Delete(recursive: true);
        }
    }

    public void Dispose()
    {
        foreach (var name in _names)
        {
            if (DomainOf(name) is { } domain)
            {
                using (domain)
                {
                    if (domain.IsActive)
                    {
                        domain.Destroy();
                    }
                    domain.Undefine(DomainUndefineFlags.None);
                }
            }
        }
        Libvirt.Dispose();
        _root.Delete(recursive: true);
    }
}
