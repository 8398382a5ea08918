using Miniguest.Cli;
using Miniguest.Tests.Integration;

// Fixtures marked [Parallelizable] run three at a time, each on its own guests, profiles and state directory: most of an
// integration fixture's time is spent waiting (a guest booting under emulation, a stop timeout, Nix), and with two at a
// time this 2-core machine stayed half idle. The rest run alone: those that measure the host (memory, CPU, processes,
// time), stop a daemon, or hold something host-wide (the remote host's sshd, every pty's console lock). Every set-up
// fixture is [Parallelizable] too: an unmarked one would run its namespace's fixtures apart from all others, a few at a
// time among themselves only.
[assembly: LevelOfParallelism(3)]

namespace Miniguest.Tests;

/// <summary>What every namespace's tests share for the whole run: the libvirt library the environment names, as the
/// miniguest command loads it, for the tests that connect themselves; and the staged test guest, which the Integration,
/// Reliability and Packaging tests all build from, in whatever order they run, removed once the last test ran.</summary>
[SetUpFixture, Parallelizable]
public sealed class WholeRun
{
    [OneTimeSetUp]
    public void LoadLibvirtFromTheEnvironment() => LibvirtLocation.ApplyEnvironment();

    [OneTimeTearDown]
    public void RemoveStagedTestGuest() => TestGuestFlake.DeleteStaging();
}
