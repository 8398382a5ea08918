using Miniguest.Core;

namespace Miniguest.Tests.Unit;

/// <summary>A domain's start, read from its process's <c>/proc/PID/stat</c>: the command's name may hold spaces and
/// parentheses, and the field counted is the start's.</summary>
public sealed class DomainStartTimeTests
{
    [Test]
    public void The_start_is_counted_from_the_last_parenthesis_whatever_the_name_holds()
    {
        var fields = string.Join(' ', Enumerable.Range(3, 50).Select(field => field == 22 ? "987654" : "1"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(DomainStartTime.StartTicks($"4242 (qemu-system-x86) {fields}"), Is.EqualTo(987654));
            Assert.That(DomainStartTime.StartTicks($"4242 (a) b (c) 1 2 3) {fields}"), Is.EqualTo(987654), "a name with ') ' in it");
            Assert.That(DomainStartTime.StartTicks("4242 (short) R 1 2"), Is.Null);
        }
    }

    [Test]
    public void This_processs_own_start_reads_as_the_runtime_says_it_started()
    {
        var ticks = DomainStartTime.StartTicks(File.ReadAllText("/proc/self/stat"));
        var boot = long.Parse(File.ReadLines("/proc/stat").Single(line => line.StartsWith("btime ", StringComparison.Ordinal))[6..],
            System.Globalization.CultureInfo.InvariantCulture);
        var started = DateTimeOffset.FromUnixTimeSeconds(boot).AddSeconds(ticks!.Value / 100.0);

        Assert.That(started, Is.EqualTo(new DateTimeOffset(System.Diagnostics.Process.GetCurrentProcess().StartTime)).Within(TimeSpan.FromSeconds(2)));
    }
}
