namespace Miniguest.Core;

/// <summary>What a <see cref="GuestHost"/> reaches libvirt and Nix through, where a test puts others in their place:
/// libvirt's test driver, a recording Nix. <see langword="null"/> takes the real one.</summary>
/// <param name="Libvirt">Opens libvirt connections.</param>
/// <param name="Nix">Runs nix.</param>
internal sealed record GuestHostBackends(ILibvirtConnector? Libvirt = null, INixRunner? Nix = null);
