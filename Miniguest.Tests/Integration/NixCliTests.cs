using System.Text.Json;
using Miniguest.Core;

namespace Miniguest.Tests.Integration;

/// <summary>The typed nix wrapper against the real Nix, on the test guest.</summary>
[TestFixture, Category(TestCategories.Integration)]
public sealed class NixCliTests
{
    private static NixCli Nix => IntegrationEnvironment.Nix;

    [Test]
    public async Task Eval_returns_the_value_as_json()
    {
        var json = await Nix.EvalJsonAsync(TestGuestFlake.Reference + "#nixosConfigurations.vm.config.system.build.miniguest.name");
        Assert.That(JsonSerializer.Deserialize<string>(json), Is.EqualTo("miniguest-vm"));
    }

    [Test]
    public async Task Closure_size_counts_the_kernel_and_more()
    {
        var guest = await TestGuestFlake.BuildAsync("vm");
        var kernelBytes = new FileInfo(guest.Kernel!).Length;
        var size = await Nix.ClosureSizeAsync(Directory.ResolveLinkTarget(guest.Directory, true)?.FullName ?? guest.Directory);
        Assert.That(size, Is.GreaterThan(kernelBytes));
    }

    [Test]
    public async Task Flake_metadata_resolves_to_a_locked_url()
    {
        var resolved = await Nix.ResolveFlakeAsync(TestGuestFlake.Reference);
        Assert.That(resolved, Does.StartWith(TestGuestFlake.Reference).And.Contain("narHash="));
    }

    [Test]
    public async Task Copy_puts_the_closure_into_another_store()
    {
        var guest = await TestGuestFlake.BuildAsync("container");
        var target = Directory.CreateTempSubdirectory("miniguest-copy-").FullName;
        try
        {
            await Nix.CopyAsync("file://" + target, [guest.Directory]);
            Assert.That(Directory.GetFiles(target, "*.narinfo"), Has.Length.GreaterThanOrEqualTo(3), "the guest, its system, its init and busybox");
        }
        finally
        {
            Directory.Delete(target, recursive: true);
        }
    }

    [Test]
    public async Task Diff_closures_names_what_changed_between_two_guests()
    {
        var vm = await TestGuestFlake.BuildAsync("vm");
        var container = await TestGuestFlake.BuildAsync("container");
        var changes = await Nix.DiffClosuresAsync(container.Directory, vm.Directory);
        Assert.That(changes, Has.Some.Contains("initrd"));
    }

    [Test]
    public void A_failing_command_puts_nixs_error_into_the_exception()
    {
        var error = Assert.ThrowsAsync<NixException>(() => Nix.BuildAsync("path:/nonexistent/flake#x"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.ExitCode, Is.Not.Zero);
            Assert.That(error.Message, Does.StartWith("nix build failed").And.Contain("/nonexistent/flake"));
        }
    }

    [Test]
    public void Cancellation_stops_nix_and_its_build()
    {
        // A build that would take a minute, cancelled after half a second.
        var nonce = Guid.NewGuid().ToString("N");
        var expression = $"derivation {{ name = \"miniguest-cancel-{nonce}\"; system = builtins.currentSystem; builder = \"/bin/sleep\"; args = [ \"60\" ]; }}";
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var clock = System.Diagnostics.Stopwatch.StartNew();

        Assert.CatchAsync<OperationCanceledException>(() =>
            Nix.RunAsync(["build", "--no-link", "--impure", "--expr", expression], null, cancel.Token));

        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(20)));
    }
}
