using System.Text.RegularExpressions;

namespace Miniguest.Cli;

/// <summary>A line of <c>nix store diff-closures</c> as people read it: Nix writes <c>ε</c> for an empty version and
/// <c>∅</c> for a package absent on one side (<c>init: ε → ∅, -1.2 KiB</c>, which is <c>init: removed, -1.2 KiB</c>).</summary>
internal static partial class ClosureChange
{
    private const string Absent = "∅";
    private const string Empty = "ε";

    public static string Readable(string change)
    {
        var colon = change.IndexOf(": ", StringComparison.Ordinal);
        if (colon < 0 || Versions().Match(change[(colon + 2)..]) is not { Success: true } versions)
        {
            return change;
        }
        var (from, to) = (versions.Groups["from"].Value, versions.Groups["to"].Value);
        var what = from == Absent ? Join("added", to)
            : to == Absent ? Join("removed", from)
            : $"{Version(from)} → {Version(to)}";
        return change[..(colon + 2)] + what + versions.Groups["size"].Value;
    }

    private static string Join(string verb, string version) => version is Empty or "" ? verb : $"{verb} {version}";

    private static string Version(string version) => version == Empty ? "(no version)" : version;

    [GeneratedRegex("^(?<from>.*?) → (?<to>.*?)(?<size>, [+-].*)?$")]
    private static partial Regex Versions();
}
