using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Miniguest.Libvirt;

namespace Miniguest.Benchmarks;

/// <summary>
/// The same operations on the same daemon (libvirtd, <c>qemu:///system</c>) through Miniguest.Libvirt and
/// through the <c>virsh</c> command. The library keeps one connection open, as a long-running tool does; each
/// virsh process connects anew, as a script that calls virsh does. Every domain made here is named
/// <c>mgbench-…</c>, is never started, and is undefined again.
/// </summary>
[SimpleJob(warmupCount: 2, iterationCount: 10)]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class LibraryVersusVirsh
{
    private const string Uri = "qemu:///system";
    private const string Prefix = "mgbench-";
    private const string DefineUndefine = "Define+undefine one domain";
    private const string List = "List 200 defined domains";
    private const int ListedDomains = 200;

    private static readonly string LibraryCycleXml = DomainXml(Prefix + "cycle-library");

    private Connection _connection = null!;
    private string? _virshCycleFile;

    // Where libvirt is, as the miniguest command finds it: MINIGUEST_LIBVIRT_LIBRARY, on hosts whose loader would not.
    static LibraryVersusVirsh()
    {
        if (Environment.GetEnvironmentVariable("MINIGUEST_LIBVIRT_LIBRARY") is { Length: > 0 } library)
        {
            LibvirtLibrary.Path = library;
        }
    }

    /// <summary>A minimal QEMU domain: defining it checks the XML and the emulator, not any disk or kernel.</summary>
    private static string DomainXml(string name) =>
        $"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory>"
        + "<os><type arch='x86_64' machine='pc'>hvm</type></os></domain>";

    [GlobalSetup(Targets = [nameof(Library_define_undefine), nameof(Virsh_define_undefine)])]
    public void SetUpDefineUndefine()
    {
        Open();
        _virshCycleFile = Path.GetTempFileName();
        File.WriteAllText(_virshCycleFile, DomainXml(Prefix + "cycle-virsh"));
    }

    [GlobalSetup(Targets = [nameof(Library_list_all), nameof(Virsh_list_all)])]
    public void SetUpList()
    {
        Open();
        for (var i = 0; i < ListedDomains; i++)
        {
            _connection.DefineDomain(DomainXml($"{Prefix}{i:D3}"), DomainDefineFlags.None).Dispose();
        }
        // Both sides must list the 200 (the daemon may hold other domains too), or the comparison means nothing.
        var ours = Enumerable.Range(0, ListedDomains).Select(i => $"{Prefix}{i:D3}").ToList();
        foreach (var (side, names) in new (string, IEnumerable<string>)[] { ("virsh", Virsh_list_all()), ("the library", Library_list_all()) })
        {
            var missing = ours.Except(names).ToList();
            if (missing.Count > 0)
            {
                throw new InvalidOperationException($"{side} does not list {missing.Count} of the domains defined here");
            }
        }
    }

    [GlobalCleanup]
    public void CleanUp()
    {
        RemoveBenchmarkDomains();
        _connection.Dispose();
        if (_virshCycleFile is not null)
        {
            File.Delete(_virshCycleFile);
        }
    }

    // Plain define, as `virsh define` does by default: no schema validation (DomainDefineFlags.Validate).
    [Benchmark(Baseline = true), BenchmarkCategory(DefineUndefine)]
    public void Library_define_undefine()
    {
        using var domain = _connection.DefineDomain(LibraryCycleXml, DomainDefineFlags.None);
        domain.Undefine();
    }

    [Benchmark, BenchmarkCategory(DefineUndefine)]
    public void Virsh_define_undefine()
    {
        Virsh.Run(Uri, "define", _virshCycleFile!);
        Virsh.Run(Uri, "undefine", Prefix + "cycle-virsh");
    }

    [Benchmark(Baseline = true), BenchmarkCategory(List)]
    public List<string> Library_list_all()
    {
        var domains = _connection.ListAllDomains();
        var names = new List<string>(domains.Count);
        foreach (var domain in domains)
        {
            using (domain)
            {
                names.Add(domain.Name);
            }
        }
        return names;
    }

    [Benchmark, BenchmarkCategory(List)]
    public string[] Virsh_list_all() =>
        Virsh.Run(Uri, "list", "--all", "--name").Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private void Open()
    {
        _connection = Connection.Open(Uri);
        // A run that was killed leaves its domains behind; they would skew the listing.
        RemoveBenchmarkDomains();
    }

    private void RemoveBenchmarkDomains()
    {
        foreach (var domain in _connection.ListAllDomains())
        {
            using (domain)
            {
                if (domain.Name.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    domain.Undefine();
                }
            }
        }
    }
}
