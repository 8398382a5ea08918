using System.Security.Cryptography;
using System.Text;

namespace Miniguest.Core;

/// <summary>
/// How Nix registers an indirect garbage-collector root (<c>nix build --out-link LINK</c>): a link
/// <c>/nix/var/nix/gcroots/auto/HASH</c> to LINK, HASH the SHA-1 of LINK's path in Nix's base-32. A root whose LINK leads to
/// a path and whose registration leads to LINK holds that path: making it again would only run Nix for nothing.
/// </summary>
internal static class NixRootRegistration
{
    /// <summary>Where Nix keeps the registrations of indirect roots.</summary>
    public const string Directory = "/nix/var/nix/gcroots/auto";

    // Nix's base-32 digits: no e, o, u or t.
    private const string Digits = "0123456789abcdfghijklmnpqrsvwxyz";

    /// <summary>Whether <paramref name="link"/> leads to <paramref name="storePath"/> and Nix holds it as a root.</summary>
    public static bool Holds(string link, string storePath) =>
        new FileInfo(link).LinkTarget == storePath && new FileInfo(Of(link)).LinkTarget == link;

    /// <summary>The registration Nix makes for an indirect root at <paramref name="link"/>.</summary>
    public static string Of(string link) => Path.Combine(Directory, Base32(SHA1.HashData(Encoding.UTF8.GetBytes(link))));

    /// <summary>Nix's base-32 of <paramref name="hash"/>: its bits read from the last digit to the first, five at a time.</summary>
    internal static string Base32(ReadOnlySpan<byte> hash)
    {
        var length = (hash.Length * 8 - 1) / 5 + 1;
        var text = new StringBuilder(length);
        for (var n = length - 1; n >= 0; n--)
        {
            var bit = n * 5;
            var (i, j) = (bit / 8, bit % 8);
            var c = (hash[i] >> j) | (i >= hash.Length - 1 ? 0 : hash[i + 1] << (8 - j));
            text.Append(Digits[c & 0x1f]);
        }
        return text.ToString();
    }
}
