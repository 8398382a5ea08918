using System.Text.RegularExpressions;

namespace Miniguest.Core;

/// <summary>The host's Nix store as Miniguest trusts it: the only place a build output's links may lead. A build output
/// is the work of whoever wrote the flake, and its <c>kernel</c>, <c>initrd</c> or <c>boot</c> may be a link to any
/// file of the host; QEMU and libvirtd, as root, would hand that file to the guest.</summary>
internal static partial class NixStore
{
    /// <summary>Where the store is.</summary>
    public const string DefaultDirectory = "/nix/store";

    /// <summary>Where <paramref name="path"/> really is, every link on the way resolved by the kernel, provided that is
    /// inside <paramref name="store"/>; <see langword="null"/> where nothing is there.</summary>
    /// <exception cref="GuestFileException">It leads out of the store.</exception>
    public static string? TryResolve(string path, string store = DefaultDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string? real;
        try
        {
            real = RealPath.Of(path);
        }
        catch (IOException e)
        {
            throw new GuestFileException(path, e.Message, e);
        }
        return real is null ? null : RequireInside(path, real, store);
    }

    /// <summary><paramref name="real"/>, where <paramref name="path"/> really is (resolved on this host or another), provided
    /// that is inside <paramref name="store"/>.</summary>
    /// <exception cref="GuestFileException">It is outside the store.</exception>
    internal static string RequireInside(string path, string real, string store = DefaultDirectory)
    {
        var inside = store.TrimEnd('/') + "/";
        return real.StartsWith(inside, StringComparison.Ordinal) && real.Length > inside.Length && !real.Split('/').Contains("..")
            ? real
            : throw new GuestFileException(path, $"leads to {real}, outside the Nix store {store}: a guest's files must lie in the store");
    }

    /// <summary>Where <paramref name="path"/> really is, which must be inside <paramref name="store"/>.</summary>
    /// <exception cref="GuestFileException">Nothing is there, or it leads out of the store.</exception>
    public static string Resolve(string path, string store = DefaultDirectory) =>
        TryResolve(path, store) ?? throw new GuestFileException(path, "missing, or a link that leads nowhere");

    /// <summary>Whether <paramref name="path"/> names a path of the store itself, <c>/nix/store/HASH-NAME</c>, as Nix writes
    /// one: its hash and name in the characters Nix allows them, and nothing below it.</summary>
    internal static bool IsStorePath(string path) => StorePath().IsMatch(path);

    /// <summary>Whether <paramref name="path"/> is a store path (<see cref="IsStorePath"/>) that a garbage-collector root may
    /// hold as it is: not a derivation, which <c>nix build</c> would build.</summary>
    internal static bool IsRootable(string path) => IsStorePath(path) && !path.EndsWith(".drv", StringComparison.Ordinal);

    [GeneratedRegex(@"\A/nix/store/[0-9a-df-np-sv-z]{32}-[A-Za-z0-9+\-._?=]+\z")]
    private static partial Regex StorePath();
}
