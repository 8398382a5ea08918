using System.Text.Json;
using Miniguest.Core;

namespace Miniguest.Tests.Integration;

/// <summary>The typed nix wrapper against the real Nix, on the test guest.</summary>
[TestFixture, Category(TestCategories.Integration), Parallelizable]
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
    public async Task A_root_nix_made_is_found_registered_where_miniguest_looks_and_one_it_did_not_is_not()
    {
        var guest = await TestGuestFlake.BuildAsync("container");
        var storePath = Directory.ResolveLinkTarget(guest.Directory, true)?.FullName ?? guest.Directory;
        var directory = Directory.CreateTempSubdirectory("miniguest-root-").FullName;
        try
        {
            var link = Path.Combine(directory, "defined");
            var bare = Path.Combine(directory, "bare");
            File.CreateSymbolicLink(bare, storePath);

            await Nix.AddRootAsync(storePath, link);

            using (Assert.EnterMultipleScope())
            {
                Assert.That(NixRootRegistration.Holds(link, storePath), Is.True, "Nix registered the root as Miniguest computes it");
                Assert.That(NixRootRegistration.Holds(link, guest.Directory + "-other"), Is.False, "a root of another path");
                Assert.That(NixRootRegistration.Holds(bare, storePath), Is.False, "a link Nix never registered");
            }
            File.Delete(link);
            Assert.That(NixRootRegistration.Holds(link, storePath), Is.False, "a root whose link is gone");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
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
            Assert.That(error.Message, Does.StartWith("nix build: ").And.Contain("/nonexistent/flake"));
        }
    }

    [Test]
    public void A_failed_build_brings_the_last_lines_of_its_log_and_how_to_read_the_rest()
    {
        var nonce = Guid.NewGuid().ToString("N");
        var expression = $"derivation {{ name = \"miniguest-fail-{nonce}\"; system = builtins.currentSystem; builder = \"/bin/sh\"; "
            + "args = [ \"-c\" \"echo building; echo 'error: frobnicator.conf: line 3: bad' >&2; exit 1\" ]; }";

        var error = Assert.ThrowsAsync<NixException>(() => Nix.RunAsync(["build", "--no-link", "--impure", "--expr", expression], null, CancellationToken.None));

        var lines = error!.Error.Split('\n');
        using (Assert.EnterMultipleScope())
        {
            Assert.That(lines[0], Does.Match($"^error: builder for '/nix/store/[a-z0-9]{{32}}-miniguest-fail-{nonce}.drv' failed"));
            Assert.That(lines, Does.Contain("       last 2 log lines:"));
            Assert.That(lines, Does.Contain("       > error: frobnicator.conf: line 3: bad"));
            Assert.That(lines[^1], Does.Match($"For full logs, run 'nix log /nix/store/[a-z0-9]{{32}}-miniguest-fail-{nonce}.drv'"));
            Assert.That(error.Message, Does.StartWith("nix build: builder for"), "the message is its first line");
        }
    }

    [Test]
    public void An_evaluation_error_keeps_its_location_and_snippet_and_the_trace_comes_when_asked()
    {
        var flake = Directory.CreateTempSubdirectory("miniguest-eval-error-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(flake, "flake.nix"), """
                {
                  outputs = { self }: {
                    value = let add = x: 1 + x; in add "a";
                  };
                }
                """);
            var plain = Assert.ThrowsAsync<NixException>(() => Nix.EvalJsonAsync($"path:{flake}#value"));
            var traced = Assert.ThrowsAsync<NixException>(() =>
                new NixCli(new NixProcess(new NixSettings { Options = new Dictionary<string, string> { ["substituters"] = "" }, ShowTrace = true }))
                    .EvalJsonAsync($"path:{flake}#value"));

            using (Assert.EnterMultipleScope())
            {
                Assert.That(plain!.Error, Does.StartWith("error: cannot add a string to an integer"));
                Assert.That(plain.Error, Does.Match(@"at /nix/store/[a-z0-9]{32}-source/flake\.nix:3:"), "where");
                Assert.That(plain.Error, Does.Contain("3|     value = let add = x: 1 + x; in add \"a\";"), "the snippet");
                Assert.That(plain.Error, Does.Not.Contain("while evaluating 'add'"));
                Assert.That(traced!.Error, Does.Contain("… while evaluating 'add'"), "the trace, when asked for");
            }
        }
        finally
        {
            Directory.Delete(flake, recursive: true);
        }
    }

    [Test]
    public async Task A_build_reports_what_it_builds_with_a_count_and_its_log_lines()
    {
        var nonce = Guid.NewGuid().ToString("N");
        var expression = $"let dep = derivation {{ name = \"miniguest-dep-{nonce}\"; system = builtins.currentSystem; builder = \"/bin/sh\"; "
            + "args = [ \"-c\" \"echo dep-says-hello; echo > $out\" ]; }; in "
            + $"derivation {{ name = \"miniguest-top-{nonce}\"; system = builtins.currentSystem; builder = \"/bin/sh\"; "
            + "args = [ \"-c\" \"echo top-says-hello; echo > $out\" ]; inherit dep; }";
        var reports = new List<NixProgress>();
        var progress = new SynchronousProgress(reports);

        await Nix.RunAsync(["build", "--no-link", "--impure", "--expr", expression], progress, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(reports, Has.Some.Matches<NixProgress>(p => p.Activity == $"miniguest-dep-{nonce}" && p.LogLine == "dep-says-hello"));
            Assert.That(reports, Has.Some.Matches<NixProgress>(p => p.Activity == $"miniguest-top-{nonce}" && p.LogLine == "top-says-hello"));
            Assert.That(reports.Where(p => p.Activity == $"miniguest-top-{nonce}").Select(p => p.BuildsDone), Has.Some.EqualTo(1),
                "the second build starts with the first counted");
            Assert.That(reports.Select(p => p.BuildsExpected), Has.Some.EqualTo(2));
        }
    }

    // Progress<T> reports on the thread pool, after the fact; the test wants every report, in order, when the call returns.
    private sealed class SynchronousProgress(List<NixProgress> reports) : IProgress<NixProgress>
    {
        public void Report(NixProgress value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }

    [Test]
    public void Cancellation_stops_nix_and_its_build()
    {
        // A build that would take a minute, cancelled after half a second. Its sleep is the host's, or in Nix's sandbox
        // (where /bin/sh is the static busybox scripts/setup-host names) busybox's own.
        var nonce = Guid.NewGuid().ToString("N");
        var expression = $"derivation {{ name = \"miniguest-cancel-{nonce}\"; system = builtins.currentSystem; builder = \"/bin/sh\"; "
            + "args = [ \"-c\" \"exec sleep 60\" ]; PATH = \"/usr/bin:/bin\"; }";
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var clock = System.Diagnostics.Stopwatch.StartNew();

        Assert.CatchAsync<OperationCanceledException>(() =>
            Nix.RunAsync(["build", "--no-link", "--impure", "--expr", expression], null, cancel.Token));

        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(20)));
    }
}
