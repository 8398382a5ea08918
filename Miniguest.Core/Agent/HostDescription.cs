namespace Miniguest.Core;

/// <summary>What a host says of a guest installed on it and of itself (<see cref="LocalGuestFiles.Describe"/>), as the agent
/// sends it: raw, for the asking host to check (<see cref="TargetFacts.From"/>).</summary>
/// <param name="GenerationLink">What the guest's profile link names (<c>NAME-N-link</c>); <see langword="null"/> where it is not installed.</param>
/// <param name="Top">Where the profile really leads.</param>
/// <param name="Files">Where each of the build output's files (<see cref="GuestSystem.Files"/>) really is, by name.</param>
/// <param name="Contents">The bytes of <c>miniguest-config.json</c> and <c>kernel-params</c>, where they are files in the store.</param>
/// <param name="Paths">Where each path asked about really is; <see langword="null"/> where nothing is.</param>
/// <param name="IdRanges">The text of each containers' id-range record, by the name of its guest's state directory.</param>
/// <param name="UserNamespaces">Whether the kernel offers user namespaces.</param>
/// <param name="Credentials">The IDs of the guest's credentials there.</param>
/// <param name="MountsOwner">The libvirt daemon whose mount table <paramref name="Mountinfo"/> is; <see langword="null"/> where none runs.</param>
/// <param name="Mountinfo">That daemon's <c>/proc/PID/mountinfo</c>.</param>
/// <param name="InitLink">Where the build output's <c>boot/init</c> links, one link followed (<see cref="SystemTopLevel"/>).</param>
internal sealed record HostDescription(
    string? GenerationLink,
    string? Top,
    IReadOnlyDictionary<string, GuestSystem.ResolvedFile> Files,
    IReadOnlyDictionary<string, byte[]> Contents,
    IReadOnlyList<GuestSystem.ResolvedFile?> Paths,
    IReadOnlyDictionary<string, string> IdRanges,
    bool UserNamespaces,
    IReadOnlyList<string> Credentials,
    string? MountsOwner,
    string? Mountinfo,
    string? InitLink = null);
