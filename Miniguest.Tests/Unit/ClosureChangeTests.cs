using Miniguest.Cli;

namespace Miniguest.Tests.Unit;

/// <summary>nix store diff-closures' lines, as upgrade prints them.</summary>
public sealed class ClosureChangeTests
{
    [TestCase("init: ε → ∅, -1.2 KiB", "init: removed, -1.2 KiB")]
    [TestCase("hello: ∅ → 2.12, +268.4 KiB", "hello: added 2.12, +268.4 KiB")]
    [TestCase("busybox: 1.36.0 → 1.36.1, +2.0 KiB", "busybox: 1.36.0 → 1.36.1, +2.0 KiB")]
    [TestCase("etc: ε → 1", "etc: (no version) → 1")]
    [TestCase("openssl: 3.0.9, 3.0.10 → ∅", "openssl: removed 3.0.9, 3.0.10")]
    [TestCase("linux: +12.3 KiB", "linux: +12.3 KiB")]
    public void A_change_reads_as_people_say_it(string nix, string readable) =>
        Assert.That(ClosureChange.Readable(nix), Is.EqualTo(readable));
}
