namespace Miniguest.Core;

/// <summary>What another host said, in one request (<see cref="IGuestFiles.DescribeAsync"/>), of a guest installed there
/// and of itself: what a domain there is built and started from. Every file of the guest's build output is taken only
/// where it really is in the target's store.</summary>
/// <param name="Generation">The guest's current generation there; <see langword="null"/> where it is not installed.</param>
/// <param name="System">Its system there; <see langword="null"/> where it is not installed.</param>
/// <param name="Paths">Where each path asked about really is there, and whether it is a directory; <see langword="null"/>
/// where nothing is.</param>
/// <param name="Mounts">The mount table of the target's libvirtd.</param>
/// <param name="UserNamespaces">Whether the target's kernel offers containers user namespaces.</param>
/// <param name="IdRanges">The containers' id ranges recorded there (<see cref="ContainerIds"/>): each one's first id, by guest.</param>
/// <param name="Credentials">The IDs of the guest's credentials there.</param>
internal sealed record TargetFacts(int? Generation, GuestSystem? System, IReadOnlyList<GuestSystem.ResolvedFile?> Paths, MountTable Mounts,
    bool UserNamespaces, IReadOnlyDictionary<string, uint> IdRanges, IReadOnlyList<string> Credentials)
{
    /// <summary>The NixOS system the guest's generation there boots (<see cref="SystemTopLevel"/>); <see langword="null"/>
    /// where it is not installed, or the host did not say it as a store path.</summary>
    public string? TopLevel { get; init; }

    /// <summary>Checks what <paramref name="host"/> said (<paramref name="description"/>), asked about <paramref name="pathCount"/> paths.</summary>
    /// <exception cref="GuestFileException">A file of the guest is missing, corrupt or outside the store.</exception>
    /// <exception cref="RemoteHostException">The description is not one of the guest, or of that many paths.</exception>
    public static TargetFacts From(GuestName name, string host, HostDescription description, int pathCount)
    {
        if (description.Paths.Count != pathCount)
        {
            throw new RemoteHostException(host, $"it described {description.Paths.Count} paths, not the {pathCount} asked about");
        }
        var generation = description.GenerationLink is { } link ? GuestProfile.GenerationNumber(name, link) : null;
        var top = description.Top;
        if (top is not null && !NixStore.IsStorePath(top))
        {
            throw new RemoteHostException(host, $"its description of the guest does not parse: its generation is {top}, not a store path");
        }
        var files = description.Files.Where(file => GuestSystem.Files.Contains(file.Key)).ToDictionary(StringComparer.Ordinal);
        var mounts = description is { MountsOwner: { } owner, Mountinfo: { } table }
            ? MountTable.Parse(table, $"{TerminalText.Escape(owner)} on {host}")
            : new MountTable([], $"{host}'s libvirtd (none was found there through /run/libvirtd.pid or /run/virtqemud.pid)");
        var idRanges = description.IdRanges.ToDictionary(range => range.Key,
            range => ContainerIds.Parse(range.Value, $"{host}: the id range of '{TerminalText.Escape(range.Key)}'"), StringComparer.Ordinal);
        var system = top is null ? null : GuestSystem.Read(top,
            file => files.TryGetValue(file, out var resolved) ? resolved with { RealPath = NixStore.RequireInside($"{top}/{file}", resolved.RealPath) } : null,
            real => files.FirstOrDefault(pair => pair.Value.RealPath == real).Key is { } file && description.Contents.TryGetValue(file, out var bytes)
                ? bytes
                : throw new IOException("not read there"));
        return new TargetFacts(generation, system, description.Paths, mounts, description.UserNamespaces, idRanges,
            [.. description.Credentials.Where(GuestCredentials.IsId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)])
        {
            TopLevel = system is null ? null : SystemTopLevel.Of(description.InitLink),
        };
    }

    /// <summary>The guest's system there.</summary>
    /// <exception cref="GuestStateException">It is not installed there: this host's record of it is out of date.</exception>
    public GuestSystem RequireSystem(GuestName name, string host) =>
        System ?? throw new GuestStateException($"guest '{name}' is not installed on {host} any more (miniguest remove {name} forgets it here)");
}
