using System.Collections.Concurrent;
using Miniguest.Core;

namespace Miniguest.Tests.Verbs;

/// <summary>A Nix that records each command it is given and answers from a script, for tests of the steps around Nix;
/// the real one is proven by the integration tiers. A command the script does not know fails the test.</summary>
internal sealed class RecordingNix : INixRunner
{
    private readonly ConcurrentQueue<IReadOnlyList<string>> _commands = new();
    private readonly List<(Func<IReadOnlyList<string>, bool> Matches, Func<IReadOnlyList<string>, string> Answer)> _script = [];

    /// <summary>Every command run so far, in order, each as its argument list.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Commands => [.. _commands];

    /// <summary>The commands run so far, each as one line.</summary>
    public IReadOnlyList<string> CommandLines => [.. _commands.Select(command => string.Join(' ', command))];

    /// <summary>Answers the commands that start with <paramref name="prefix"/> with what <paramref name="answer"/> does
    /// (its side effects, such as a link Nix would make, and its standard output).</summary>
    public RecordingNix On(string[] prefix, Func<IReadOnlyList<string>, string> answer)
    {
        _script.Add((command => command.Count >= prefix.Length && command.Take(prefix.Length).SequenceEqual(prefix), answer));
        return this;
    }

    /// <summary>Fails the commands that start with <paramref name="prefix"/> as Nix would, with <paramref name="error"/>.</summary>
    public RecordingNix Failing(string[] prefix, string error) =>
        On(prefix, command => throw new NixException(command, 1, error));

    /// <summary>Answers <c>build --out-link LINK PATH</c> (a garbage-collector root) as Nix does: the link, made.</summary>
    public RecordingNix MakingRoots() => On(["build", "--out-link"], command =>
    {
        File.Delete(command[2]);
        File.CreateSymbolicLink(command[2], command[3]);
        return "";
    });

    /// <summary>Answers the two commands that make a profile's next generation as Nix does, with links:
    /// <c>profile install --profile PROFILE INSTALLABLE</c> (its generation the store path <paramref name="build"/> gives
    /// for the installable) and <c>build --no-link --profile PROFILE PATH</c>.</summary>
    public RecordingNix MakingProfiles(Func<string, string> build) =>
        On(["profile", "install", "--profile"], command => MakeGeneration(command[3], build(command[4])))
            .On(["build", "--no-link", "--profile"], command => MakeGeneration(command[3], command[4]));

    // PROFILE-N-link to the path, N one more than the last, and PROFILE to it; nothing if it is the current one already.
    private static string MakeGeneration(string profile, string storePath)
    {
        if (new FileInfo(profile).LinkTarget is not null && Directory.ResolveLinkTarget(profile, returnFinalTarget: true)?.FullName == storePath)
        {
            return "";
        }
        var name = Path.GetFileName(profile);
        var last = Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(profile)!, name + "-*-link")
            .Select(link => int.TryParse(Path.GetFileName(link)[(name.Length + 1)..^"-link".Length], out var number) ? number : 0)
            .DefaultIfEmpty(0).Max();
        var generation = $"{name}-{last + 1}-link";
        File.CreateSymbolicLink(Path.Combine(Path.GetDirectoryName(profile)!, generation), storePath);
        File.Delete(profile);
        File.CreateSymbolicLink(profile, generation);
        return "";
    }

    public Task<string> RunAsync(IReadOnlyList<string> arguments, IProgress<NixProgress>? progress,
        IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken)
    {
        _commands.Enqueue([.. arguments]);
        var answer = _script.FirstOrDefault(step => step.Matches(arguments)).Answer;
        Assert.That(answer, Is.Not.Null, $"nix {string.Join(' ', arguments)} was run, which the test did not expect");
        return Task.FromResult(answer!(arguments));
    }
}
