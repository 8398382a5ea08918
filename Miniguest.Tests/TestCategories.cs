namespace Miniguest.Tests;

/// <summary>The test tiers: plain unit tests have no category.</summary>
internal static class TestCategories
{
    /// <summary>Against libvirt's in-process test driver, <c>test:///default</c>: needs libvirt.so.0, no daemon.</summary>
    public const string Libvirt = "Libvirt";

    /// <summary>The Nix side (nix/, template/, flake.nix) with the real <c>nix</c> and no nixpkgs: every file parses,
    /// and nix/lib.nix computes what the C# side expects. Needs nix, no daemon, no network.</summary>
    public const string Nix = "Nix";

    /// <summary>Against the real stack: Nix, libvirtd, QEMU, libvirt-LXC.</summary>
    public const string Integration = "Integration";

    /// <summary>The NuGet package as a consumer gets it: runs <c>dotnet pack</c> and builds a project against the
    /// package. Needs the .NET SDK, the NuGet feed the repository restores from, and libvirt.so.0; no daemon.</summary>
    public const string Packaging = "Packaging";

    /// <summary>The fault, bad-input, concurrency, security and load suite on the real stack (issue 6); it writes
    /// docs/RELIABILITY.md from its run. Needs what <see cref="Integration"/> needs, and root (it mounts a tmpfs).</summary>
    public const string Reliability = "Reliability";

    /// <summary>Guests on a second host simulated on this machine (scripts/remote-host): needs what <see cref="Integration"/>
    /// needs, root, and openssh-server (scripts/setup-host installs it).</summary>
    public const string Remote = "Remote";
}
