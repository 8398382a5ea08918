using System.Globalization;
using System.Text;

namespace Miniguest.Core;

/// <summary>What another host said, in one SSH command (<see cref="RemoteTarget.DescribeAsync"/>), of a guest installed
/// there and of itself: what a domain there is built and started from. Every file of the guest's build output is taken
/// only where it really is in the target's store.</summary>
/// <param name="Generation">The guest's current generation there; <see langword="null"/> where it is not installed.</param>
/// <param name="System">Its system there; <see langword="null"/> where it is not installed.</param>
/// <param name="Paths">Where each path asked about really is there, and whether it is a directory; <see langword="null"/>
/// where nothing is.</param>
/// <param name="Mounts">The mount table of the target's libvirtd.</param>
/// <param name="UserNamespaces">Whether the target's kernel offers containers user namespaces.</param>
/// <param name="IdRanges">The containers' id ranges recorded there (<see cref="ContainerIds"/>): each one's first id, by guest.</param>
internal sealed record TargetFacts(int? Generation, GuestSystem? System, IReadOnlyList<GuestSystem.ResolvedFile?> Paths, MountTable Mounts,
    bool UserNamespaces, IReadOnlyDictionary<string, uint> IdRanges)
{
    /// <summary>Reads the describe command's output.</summary>
    /// <exception cref="GuestFileException">A file of the guest is missing, corrupt or outside the store.</exception>
    /// <exception cref="RemoteHostException">The output is not what the command prints.</exception>
    public static TargetFacts Parse(GuestName name, string host, string output, int pathCount)
    {
        int? generation = null;
        string? top = null;
        var files = new Dictionary<string, GuestSystem.ResolvedFile>(StringComparer.Ordinal);
        var contents = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var paths = new GuestSystem.ResolvedFile?[pathCount];
        var mounts = new MountTable([], $"{host}'s libvirtd (none was found there through /run/libvirtd.pid or /run/virtqemud.pid)");
        var userNamespaces = false;
        var idRanges = new Dictionary<string, uint>(StringComparer.Ordinal);
        try
        {
            foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                switch (line.Split('\t'))
                {
                    case ["generation", var link]:
                        generation = RemoteTarget.GenerationNumber(name, link);
                        break;
                    case ["top", var path]:
                        top = Decode(path) is var decoded && NixStore.IsStorePath(decoded)
                            ? decoded
                            : throw new FormatException($"its generation is {decoded}, not a store path");
                        break;
                    case ["file", var file, var kind, var real] when GuestSystem.Files.Contains(file):
                        files[file] = new GuestSystem.ResolvedFile(Decode(real), kind == "d");
                        break;
                    case ["content", var file, var text]:
                        contents[file] = Convert.FromBase64String(text);
                        break;
                    case ["path", var index, var kind, var real] when int.TryParse(index, CultureInfo.InvariantCulture, out var i) && i >= 0 && i < pathCount:
                        paths[i] = new GuestSystem.ResolvedFile(Decode(real), kind == "d");
                        break;
                    case ["userns", var count]:
                        userNamespaces = long.TryParse(count, CultureInfo.InvariantCulture, out var most) && most > 0;
                        break;
                    case ["idrange", var guest, var first]:
                        idRanges[guest] = ContainerIds.Parse(first, $"{host}: the id range of '{guest}'");
                        break;
                    case ["mounts", var owner, var table]:
                        mounts = MountTable.Parse(Decode(table), $"{TerminalText.Escape(Decode(owner))} on {host}");
                        break;
                }
            }
        }
        catch (FormatException e)
        {
            throw new RemoteHostException(host, "its description of the guest does not parse: " + e.Message);
        }
        var system = top is null ? null : GuestSystem.Read(top,
            file => files.TryGetValue(file, out var resolved) ? resolved with { RealPath = NixStore.RequireInside($"{top}/{file}", resolved.RealPath) } : null,
            real => files.FirstOrDefault(pair => pair.Value.RealPath == real).Key is { } file && contents.TryGetValue(file, out var bytes)
                ? bytes
                : throw new IOException("not read there"));
        return new TargetFacts(generation, system, paths, mounts, userNamespaces, idRanges);
    }

    /// <summary>The guest's system there.</summary>
    /// <exception cref="GuestStateException">It is not installed there: this host's record of it is out of date.</exception>
    public GuestSystem RequireSystem(GuestName name, string host) =>
        System ?? throw new GuestStateException($"guest '{name}' is not installed on {host} any more (miniguest remove {name} forgets it here)");

    private static string Decode(string base64) => Encoding.UTF8.GetString(Convert.FromBase64String(base64));
}
