using Miniguest.Core;
using Miniguest.Libvirt;

namespace Miniguest.Tests.Integration;

/// <summary>
/// Checks once that the real stack is there: nix, libvirtd on the QEMU and LXC drivers, and the test guest's
/// kernel and busybox. A missing piece fails every integration test with the reason. Outside CI, setting
/// MINIGUEST_SKIP_INTEGRATION=1 skips them instead; in CI (CI set) that opt-out is refused.
/// </summary>
[SetUpFixture, Parallelizable]
public sealed class IntegrationEnvironment
{
    public const string SkipVariable = "MINIGUEST_SKIP_INTEGRATION";

    /// <summary>Where scripts/setup-host puts the test guest's kernel and modules.</summary>
    public static string KernelDirectory =>
        Environment.GetEnvironmentVariable("MINIGUEST_TEST_KERNEL_DIR") is { Length: > 0 } dir ? dir : "/var/cache/miniguest/test-kernel";

    /// <summary>A static busybox, the test guest's only program.</summary>
    public static string Busybox =>
        Environment.GetEnvironmentVariable("MINIGUEST_TEST_BUSYBOX") is { Length: > 0 } path ? path : "/bin/busybox";

    /// <summary>Nix as the tests run it: offline, no binary cache or flake registry look-ups.</summary>
    internal static NixCli Nix { get; } = new(new NixProcess(new NixSettings
    {
        Options = new Dictionary<string, string> { ["substituters"] = "", ["flake-registry"] = "" },
    }));

    /// <summary>Whether the tests run in CI (<c>CI</c> set), where nothing may be skipped.</summary>
    public static bool InCi => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    /// <summary>For a test that applies only to some hosts (one whose store is writable, say): elsewhere it is
    /// inconclusive, but in CI, whose host is known, a host that does not fit is a failure with the reason.</summary>
    public static void RequireHost(bool condition, string reason)
    {
        if (InCi)
        {
            Assert.That(condition, Is.True, "the CI host does not fit this test: " + reason);
        }
        Assume.That(condition, Is.True, reason);
    }

    [OneTimeSetUp]
    public void CheckTheStack()
    {
        if (Environment.GetEnvironmentVariable(SkipVariable) == "1")
        {
            if (InCi)
            {
                Assert.Fail($"{SkipVariable}=1 is not honoured in CI: integration tests always run there");
            }
            Assert.Ignore($"integration tests skipped: {SkipVariable}=1");
        }

        var missing = new List<string>();
        if (!File.Exists(Path.Combine(KernelDirectory, "vmlinux")))
        {
            missing.Add($"no test kernel in {KernelDirectory}");
        }
        if (!File.Exists(Busybox))
        {
            missing.Add($"no static busybox at {Busybox}");
        }
        try
        {
            Nix.RunAsync(["--version"], null, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is NixException or System.ComponentModel.Win32Exception)
        {
            missing.Add($"nix does not run: {e.Message}");
        }
        foreach (var uri in new[] { "qemu:///system", "lxc:///" })
        {
            try
            {
                using var connection = Connection.Open(uri);
            }
            catch (LibvirtException e)
            {
                missing.Add($"libvirt does not answer on {uri}: {e.Message}");
            }
        }
        if (missing.Count > 0)
        {
            Assert.Fail("The real stack is not ready (run scripts/setup-host as root): " + string.Join("; ", missing));
        }
        // The miniguest the CLI tests run takes most of a minute to compile: begun now, beside the first fixtures, rather
        // than in the first test that runs it (which waits for it, and sees its failure).
        _ = Task.Run(() => Cli.MiniguestHost.Executable);
    }

    [OneTimeTearDown]
    public void TakeDownTheOtherHost() => Remote.RemoteTier.TakeDown();
}
