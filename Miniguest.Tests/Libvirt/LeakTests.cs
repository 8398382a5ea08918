using System.Diagnostics;
using System.Runtime.InteropServices;
using Miniguest.Libvirt;

namespace Miniguest.Tests.Libvirt;

/// <summary>Every native object and string the binding takes is released: many cycles leave memory flat.</summary>
[TestFixture, Category(TestCategories.Libvirt)]
public sealed partial class LeakTests
{
    private const int Cycles = 10_000;
    private const long AllowedResidentGrowth = 5 * 1024 * 1024;

    // A leak of 26 bytes a cycle (a UUID string, say) shows here; the resident set is too coarse for that.
    private const long AllowedNativeHeapGrowth = 256 * 1024;

    // A leak grows memory in every round; other threads of the test process (libvirt's event loop, finalizers) now and
    // then allocate in one: the smallest growth of a few rounds is the binding's own.
    private const int Rounds = 3;

    [Test]
    public void Ten_thousand_define_look_up_undefine_cycles_leave_memory_flat()
    {
        using var connection = Connection.Open("test:///default");
        AssertFlat(cycles => RunCycles(connection, cycles));
    }

    // Each call copies a record per domain, with its parameters, out of a list libvirt allocates; the list holds a
    // reference on each domain too.
    [Test]
    public void Ten_thousand_bulk_stats_calls_leave_memory_flat()
    {
        using var connection = Connection.Open("test:///default");
        using var inactive = connection.DefineDomain(
            "<domain type='test'><name>leak-stats</name><memory unit='MiB'>64</memory><os><type>hvm</type></os></domain>",
            DomainDefineFlags.None);
        try
        {
            AssertFlat(cycles =>
            {
                for (var i = 0; i < cycles; i++)
                {
                    var records = connection.GetAllDomainStats(DomainStatsTypes.Supported);
                    if (records.Count < 2 || records[0].UInt64("state.state") is null)
                    {
                        Assert.Fail($"expected two records with their state, got {records.Count}");
                    }
                }
            });
        }
        finally
        {
            inactive.Undefine();
        }
    }

    private static void AssertFlat(Action<int> runCycles)
    {
        // Warm-up twice as long as a round: the JIT and the GC's budgets settle, libvirt fills its caches.
        runCycles(2 * Cycles);
        var residentGrowth = long.MaxValue;
        var nativeGrowth = long.MaxValue;
        for (var round = 0; round < Rounds; round++)
        {
            var residentBefore = ResidentBytes();
            var nativeBefore = NativeHeapInUse();
            runCycles(Cycles);
            var resident = ResidentBytes() - residentBefore;
            var native = NativeHeapInUse() - nativeBefore;
            TestContext.Out.WriteLine($"round {round + 1}, {Cycles} cycles: resident memory +{resident / 1024} KiB, native heap in use +{native / 1024} KiB");
            residentGrowth = Math.Min(residentGrowth, resident);
            nativeGrowth = Math.Min(nativeGrowth, native);
        }
        using (Assert.EnterMultipleScope())
        {
            Assert.That(residentGrowth, Is.LessThan(AllowedResidentGrowth));
            Assert.That(nativeGrowth, Is.LessThan(AllowedNativeHeapGrowth));
        }
    }

    private static void RunCycles(Connection connection, int cycles)
    {
        for (var i = 0; i < cycles; i++)
        {
            var name = $"leak-{i}";
            // Schema validation costs milliseconds in libxml2 and tests nothing of the binding: plain define.
            using var defined = connection.DefineDomain(
                $"<domain type='test'><name>{name}</name><memory unit='MiB'>64</memory><os><type>hvm</type></os></domain>",
                DomainDefineFlags.None);
            using var found = connection.GetDomain(name);
            _ = found.Name;
            _ = found.Uuid;
            _ = defined.GetXml();
            _ = connection.TryGetDomain(name + "-missing", out _);
            found.Undefine();
        }
    }

    private static long ResidentBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        return self.WorkingSet64;
    }

    private static long NativeHeapInUse() => (long)mallinfo2().uordblks;

    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2
    {
        public nuint arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
    }

    [LibraryImport("libc.so.6")]
    private static partial MallInfo2 mallinfo2();
}
