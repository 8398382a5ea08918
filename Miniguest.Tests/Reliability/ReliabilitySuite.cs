using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Miniguest.Libvirt;

// The suite lives in the integration namespace so that IntegrationEnvironment checks the stack first and removes
// the staged test guest only after these tests ran too.
namespace Miniguest.Tests.Integration.Reliability;

/// <summary>The groups of the reliability suite, as docs/RELIABILITY.md lists them.</summary>
internal static class Groups
{
    public const string BadInput = "Bad input";
    public const string Kill = "Faults: SIGKILL mid-command";
    public const string CrashPoints = "Faults: killed at every step";
    public const string ConnectionLost = "Faults: libvirt connection lost";
    public const string FullDisk = "Faults: full file system";
    public const string Concurrency = "Concurrency";
    public const string Security = "Security";
    public const string Load = "Load";

    public static readonly string[] All = [BadInput, Kill, CrashPoints, ConnectionLost, FullDisk, Concurrency, Security, Load];
}

/// <summary>Counts what the suite tried, what passed and what it found left behind, and figures worth recording
/// (times, ratios); <see cref="ReliabilitySuite"/> writes them to docs/RELIABILITY.md.</summary>
internal static class Figures
{
    private sealed class Counts
    {
        public int Tried;
        public int Passed;
        public int Leftovers;
    }

    private static readonly ConcurrentDictionary<string, Counts> ByGroup = new();
    private static readonly ConcurrentQueue<string> Notes = new();
    private static readonly ConcurrentQueue<(string Command, IReadOnlyList<string> Steps, int Passed)> Crashes = new();

    public static bool Any => !ByGroup.IsEmpty;

    /// <summary>Runs one case of <paramref name="group"/>: counted as tried, and as passed if it throws nothing
    /// (NUnit's assertions throw).</summary>
    public static void Case(string group, Action check)
    {
        var counts = ByGroup.GetOrAdd(group, _ => new Counts());
        Interlocked.Increment(ref counts.Tried);
        check();
        Interlocked.Increment(ref counts.Passed);
    }

    /// <summary>Records things found left behind (stray links, processes, domains, staging profiles).</summary>
    public static void Leftovers(string group, int count) =>
        Interlocked.Add(ref ByGroup.GetOrAdd(group, _ => new Counts()).Leftovers, count);

    /// <summary>A line for the figures' notes (a time, a ratio, a seed).</summary>
    public static void Note(string note)
    {
        Notes.Enqueue(note);
        TestContext.Out.WriteLine(note);
    }

    public static string Table()
    {
        var table = new StringBuilder();
        table.AppendLine("| group | cases tried | passed | failed | leftovers found |");
        table.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var group in Groups.All)
        {
            var counts = ByGroup.GetValueOrDefault(group) ?? new Counts();
            table.AppendLine(CultureInfo.InvariantCulture,
                $"| {group} | {counts.Tried} | {counts.Passed} | {counts.Tried - counts.Passed} | {counts.Leftovers} |");
        }
        return table.ToString();
    }

    public static IEnumerable<string> AllNotes => Notes;

    /// <summary>Records a command killed at each of its <paramref name="steps"/>, and how many of those cases passed.</summary>
    public static void CrashPoints(string command, IReadOnlyList<string> steps, int passed) => Crashes.Enqueue((command, steps, passed));

    public static string CrashPointTable()
    {
        var table = new StringBuilder();
        table.AppendLine("| command | crash points | passed | steps, in order |");
        table.AppendLine("|---|---:|---:|---|");
        foreach (var (command, steps, passed) in Crashes.OrderBy(crash => crash.Command, StringComparer.Ordinal))
        {
            table.AppendLine(CultureInfo.InvariantCulture, $"| `{command}` | {steps.Count} | {passed} | {string.Join(", ", steps)} |");
        }
        return table.ToString();
    }
}

/// <summary>Times the suite and writes its figures once every test in it ran: to the test results
/// (<c>reliability-figures.md</c>, attached to the run), or where <c>MINIGUEST_RELIABILITY_FIGURES</c> says
/// (<c>scripts/reliability-figures</c> points it at docs/RELIABILITY.md). A test run never changes the repository.</summary>
[SetUpFixture, Parallelizable]
public sealed class ReliabilitySuite
{
    /// <summary>Guests and domains of this suite start with this, so that a snapshot of libvirt's domains can leave
    /// out what other test suites on the same libvirtd do meanwhile.</summary>
    public const string Prefix = "mgrel";

    private readonly Stopwatch _time = new();

    [OneTimeSetUp]
    public void StartClock() => _time.Start();

    [OneTimeTearDown]
    public void WriteFigures()
    {
        if (!Figures.Any)
        {
            return;
        }
        var report = new StringBuilder();
        report.AppendLine("# Reliability figures");
        report.AppendLine();
        report.AppendLine("Written by the `Reliability` tests (`Miniguest.Tests/Reliability/`) from their own run: do not edit, run");
        report.AppendLine("`scripts/reliability-figures` as root on a host set up by `scripts/setup-host`. A case passes when the command");
        report.AppendLine("behaved as it must and left the host consistent; leftovers are things found behind a command once it or the next");
        report.AppendLine("command on the guest finished (stray links, staging profiles, temporary files, processes, domains) and must be zero.");
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"Run on {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores; {Versions()}.");
        report.AppendLine(CultureInfo.InvariantCulture, $"The suite took {_time.Elapsed.TotalSeconds:F0} s.");
        report.AppendLine();
        report.Append(Figures.Table());
        report.AppendLine();
        report.AppendLine("## Crash points");
        report.AppendLine();
        report.AppendLine("Each command killed with SIGKILL at each step it goes through (`Miniguest.Core/CrashPoint.cs`), on a host set up");
        report.AppendLine("afresh each time; then the host checked, the command run again, and the host checked for anything left behind.");
        report.AppendLine();
        report.Append(Figures.CrashPointTable());
        report.AppendLine();
        report.AppendLine("## Notes from the run");
        report.AppendLine();
        foreach (var note in Figures.AllNotes)
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"- {note}");
        }
        var path = Environment.GetEnvironmentVariable("MINIGUEST_RELIABILITY_FIGURES") is { Length: > 0 } wanted
            ? Path.GetFullPath(wanted)
            : Path.Combine(TestContext.CurrentContext.WorkDirectory, "reliability-figures.md");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, report.ToString());
        TestContext.AddTestAttachment(path, "The reliability suite's figures");
        TestContext.Out.WriteLine(report.ToString());
    }

    private static string Versions()
    {
        var parts = new List<string>();
        try
        {
            parts.Add(TestCommand.Run("nix", "--version").Out.Trim());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            parts.Add($"nix: {e.Message}");
        }
        using var qemu = Connection.Open("qemu:///system");
        parts.Add($"libvirt {qemu.LibraryVersion}");
        parts.Add($"QEMU {qemu.HypervisorVersion}");
        parts.Add($".NET {Environment.Version}");
        return string.Join(", ", parts);
    }
}
