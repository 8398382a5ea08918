using System.Text.Json;

namespace Miniguest.Core;

/// <summary>The guests a NixOS host declares, with their libvirt settings: the manifest its host module writes for
/// <see cref="GuestHost.ApplyAsync"/>.</summary>
/// <param name="Version">The manifest's format; 1 is the one read here.</param>
/// <param name="Guests">Each declared guest's settings, by name; none when the manifest leaves them out.</param>
public sealed record DeclarativeManifest(int Version, Dictionary<string, DeclarativeGuest> Guests)
{
    /// <summary>Reads the manifest at <paramref name="path"/>.</summary>
    /// <exception cref="GuestFileException">It is missing, not a manifest, or of another version.</exception>
    public static DeclarativeManifest Load(string path)
    {
        DeclarativeManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(File.ReadAllBytes(path), CoreJsonContext.Default.DeclarativeManifest);
        }
        catch (JsonException e)
        {
            throw new GuestFileException(path, $"not a valid manifest ({e.Message})", e);
        }
        catch (IOException e)
        {
            throw new GuestFileException(path, e.Message, e);
        }
        if (manifest is null)
        {
            throw new GuestFileException(path, "holds null");
        }
        return manifest.Version == 1
            ? manifest with { Guests = manifest.Guests ?? [] } // a host that declares no guest may leave them out
            : throw new GuestFileException(path, $"manifest version {manifest.Version} is not supported (expected 1)");
    }

    // The names of the guests applied last time, which apply prunes when the host no longer declares them.
    internal static IReadOnlyList<string> ReadApplied(string file) =>
        File.Exists(file) ? JsonSerializer.Deserialize(File.ReadAllBytes(file), CoreJsonContext.Default.ListString) ?? [] : [];

    internal static string WriteApplied(IEnumerable<string> names) =>
        JsonSerializer.Serialize(names.Order(StringComparer.Ordinal).ToList(), CoreJsonContext.Default.ListString);
}

/// <summary>One guest of the declarative manifest.</summary>
/// <param name="Uri">The libvirt URI of its domain; <see langword="null"/> for the default of its type.</param>
/// <param name="Memory">Memory in MiB.</param>
/// <param name="Vcpus">Virtual CPUs.</param>
/// <param name="Networks">The libvirt networks its interfaces are on, one interface each, before those of <paramref name="Bridges"/>.</param>
/// <param name="Bridges">The host bridges its further interfaces are on.</param>
/// <param name="Autostart">Whether it starts with the host: apply starts it (on this host, in place of libvirt's autostart,
/// which it turns off; on another host, libvirt's autostart there as well).</param>
/// <param name="RestartIfChanged">Whether a running guest restarts on a new generation.</param>
/// <param name="Shares">The host directories the admin gives its shares, by tag; the others are in the guest's own.</param>
/// <param name="Credentials">The host files of its systemd credentials, by ID (<see cref="GuestCredentials"/>): the guest has
/// these and no other.</param>
/// <param name="SwitchIfChanged">Whether a running guest whose new generation changes only its userspace is switched to it
/// without a restart (<see cref="IGuestHost.SwitchAsync"/>) rather than restarted; one whose kernel, initrd or kernel command
/// line changed, or whose running domain has no agent's channel, is restarted where <paramref name="RestartIfChanged"/> says.</param>
public sealed record DeclarativeGuest(string? Uri, int Memory, int Vcpus, IReadOnlyList<string>? Networks, IReadOnlyList<string>? Bridges,
    bool Autostart, bool RestartIfChanged, IReadOnlyDictionary<string, string>? Shares = null, IReadOnlyDictionary<string, string>? Credentials = null,
    bool SwitchIfChanged = false)
{
    /// <summary>Its credentials' contents, read now from the files declared.</summary>
    /// <exception cref="GuestFileException">A file is missing, cannot be read, or is larger than a credential may be.</exception>
    public async Task<IReadOnlyDictionary<string, byte[]?>> ReadCredentialsAsync(CancellationToken cancellationToken = default)
    {
        var contents = new Dictionary<string, byte[]?>(StringComparer.Ordinal);
        foreach (var (id, path) in Credentials ?? new Dictionary<string, string>())
        {
            try
            {
                contents[GuestCredentials.RequireId(id)] = await GuestCredentials.ReadFileAsync(path, $"credential '{id}'", cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new GuestFileException(path, e.Message, e);
            }
        }
        return contents;
    }

    /// <summary>The host directories of the guest's shares <paramref name="tags"/> and of those declared: each declared one
    /// (a tag the guest lacks is refused when its domain is built), and the guest's own for the rest (what an earlier
    /// declaration gave is taken back).</summary>
    public IReadOnlyDictionary<string, string?> ShareSources(IEnumerable<string> tags) =>
        tags.Union(Shares?.Keys ?? []).ToDictionary(tag => tag, tag => Shares?.GetValueOrDefault(tag), StringComparer.Ordinal);

    /// <summary>The network a container names to share the host's network namespace (<c>network = "host"</c>), as
    /// <c>create --network host</c> does.</summary>
    public const string HostNetworkName = "host";

    /// <summary>Whether it shares the host's network namespace (a container's choice, refused for a VM).</summary>
    public bool HostNetwork => Networks?.Contains(HostNetworkName) == true;

    /// <summary>Its interfaces' attachments: its networks, then its bridges; none when it declares neither.</summary>
    public IReadOnlyList<NetworkAttachment> Attachments =>
        [
            .. (Networks ?? []).Where(network => network != HostNetworkName).Select(network => new NetworkAttachment(AttachmentType.Network, network)),
            .. (Bridges ?? []).Select(bridge => new NetworkAttachment(AttachmentType.Bridge, bridge)),
        ];
}
