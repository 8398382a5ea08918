using System.Text.Json;
using System.Text.RegularExpressions;
using Miniguest.Core;
using Miniguest.Libvirt;
using Miniguest.Tests.Integration.Cli;

namespace Miniguest.Tests.Integration.Reliability;

/// <summary>One case of bad-input.json.</summary>
public sealed record BadInputCase(string Id, string Setup, IReadOnlyList<string> Args, int Exit, string? Error,
    IReadOnlyDictionary<string, string>? Files, string? Config, string? Bug)
{
    public override string ToString() => Id;
}

/// <summary>The bad-input corpus (bad-input.json beside the tests): every case fails with one clear line and leaves
/// the host, files and domains, byte for byte as it was; unknown fields of a guest's configuration are accepted.</summary>
[TestFixture, Category(TestCategories.Reliability)]
public sealed partial class BadInputCorpusTests
{
    // The pointer to the command's own help that follows a usage error.
    [GeneratedRegex(@"^Run 'miniguest( [a-z]+)? --help' for usage\.$")]
    private static partial Regex HelpHint();

    public static IEnumerable<BadInputCase> Cases()
    {
        using var corpus = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reliability", "bad-input.json")));
        foreach (var c in corpus.RootElement.GetProperty("cases").EnumerateArray())
        {
            yield return new BadInputCase(
                c.GetProperty("id").GetString()!,
                c.GetProperty("setup").GetString()!,
                [.. c.GetProperty("args").EnumerateArray().Select(a => a.GetString()!)],
                c.GetProperty("exit").GetInt32(),
                c.TryGetProperty("error", out var error) ? error.GetString() : null,
                c.TryGetProperty("files", out var files)
                    ? files.EnumerateObject().ToDictionary(f => f.Name, f => f.Value.GetString()!)
                    : null,
                c.TryGetProperty("config", out var config) ? config.GetString() : null,
                c.TryGetProperty("bug", out var bug) ? bug.GetString() : null);
        }
    }

    [Test]
    public void The_corpus_holds_at_least_60_cases() => Assert.That(Cases().Count(), Is.GreaterThanOrEqualTo(60));

    [TestCaseSource(nameof(Cases))]
    public async Task Bad_input_fails_with_one_line_and_leaves_the_host_as_it_was(BadInputCase badInput)
    {
        using var host = new MiniguestHost();
        var name = MiniguestHost.UniqueName("bad", ReliabilitySuite.Prefix);
        var directory = Directory.CreateTempSubdirectory("mgrel-bad-").FullName;
        var marker = Path.Combine(directory, "pwned");
        Domain? foreign = null;
        using var connection = Connection.Open("qemu:///system");
        try
        {
            // A host that has run miniguest before: the directories exist, empty.
            foreach (var layout in new[] { host.Paths.Guests, host.Paths.Profiles, Path.Combine(host.Paths.State, "locks") })
            {
                Directory.CreateDirectory(layout);
            }
            foreign = await SetUpAsync(badInput, host, name, directory, connection);
            var files = HostSnapshot.Files(host.Root);
            var domains = HostState.Domains(ReliabilitySuite.Prefix);

            var arguments = badInput.Args.Select(a => a
                .Replace("{flake}", TestGuestFlake.Reference, StringComparison.Ordinal)
                .Replace("{name}", name, StringComparison.Ordinal)
                .Replace("{dir}", directory, StringComparison.Ordinal)
                .Replace("{marker}", marker, StringComparison.Ordinal)).ToArray();
            Figures.Case(Groups.BadInput, () =>
            {
                var result = host.Run(arguments);
                var lines = result.ErrorLines.Where(l => !HelpHint().IsMatch(l)).ToList();
                if (badInput.Bug is { } bug && (result.ExitCode != badInput.Exit || lines.Count != 1 || result.Error.Contains("   at ", StringComparison.Ordinal)))
                {
                    Assert.Fail($"product bug: {bug}\n{result}");
                }
                using (Assert.EnterMultipleScope())
                {
                    Assert.That(result.ExitCode, Is.EqualTo(badInput.Exit), "exit code");
                    // A .NET stack frame, not Nix's "at /nix/store/…/flake.nix:1:18:".
                    Assert.That(result.Error, Does.Not.Match(@"(?m)^\s+at [A-Za-z_][\w.`+<>]*\(").And.Not.Contain("Unhandled exception"), "no stack trace");
                    Assert.That(File.Exists(marker), Is.False, "no shell ran the input");
                    if (badInput.Exit != 0)
                    {
                        // One line; but Nix's whole error (an evaluation's snippet, a build's last log lines) follows its header.
                        var error = lines.SkipWhile(line => line.StartsWith("miniguest: [", StringComparison.Ordinal)).ToList();
                        Assert.That(error.Count > 0 && NixErrorHeader().IsMatch(error[0]) ? error.Take(1) : error, Has.Exactly(1).Items,
                            "one line on stderr, or Nix's whole error after one");
                        if (badInput.Error is { } expected)
                        {
                            Assert.That(result.Error, Does.Contain(expected));
                        }
                        Assert.That(HostSnapshot.Files(host.Root), Is.EqualTo(files), "the host's files are as they were");
                    }
                    Assert.That(HostState.Domains(ReliabilitySuite.Prefix), Is.EqualTo(domains), "libvirt's domains are as they were");
                }
            });
        }
        finally
        {
            foreign?.Undefine();
            foreign?.Dispose();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<Domain?> SetUpAsync(BadInputCase badInput, MiniguestHost host, string name, string directory,
        Connection connection)
    {
        switch (badInput.Setup)
        {
            case "none":
                return null;
            case "installed":
                host.Ok("install", "-n", name, TestGuestFlake.Reference + "#vm");
                return null;
            case "foreign":
                var foreign = HostState.DefineForeignDomain(connection, name);
                host.Ok("install", "-n", name, TestGuestFlake.Reference + "#vm");
                return foreign;
            case "flake":
                foreach (var (file, content) in badInput.Files!)
                {
                    File.WriteAllText(Path.Combine(directory, file), content);
                }
                return null;
            case "vanishing-flake":
                var copy = TestGuestFlake.CopyForEditing();
                host.Ok("install", "-n", name, $"path:{copy}#vm");
                Directory.Delete(copy, recursive: true);
                return null;
            case "config":
                await InstallByHandAsync(host, name, badInput.Config);
                return null;
            default:
                throw new InvalidOperationException($"unknown set-up '{badInput.Setup}'");
        }
    }

    // A guest whose build output is the test VM's but for its miniguest-config.json, added to the store as it is (a
    // build output is used only where it lies in the store).
    private static async Task InstallByHandAsync(MiniguestHost host, string name, string? config)
    {
        var built = (await IntegrationEnvironment.Nix
            .BuildAsync($"{TestGuestFlake.Reference}#nixosConfigurations.vm.config.system.build.miniguest")).Single().Out;
        var staging = Directory.CreateDirectory(Path.Combine(host.Root, "fake-output")).FullName;
        foreach (var entry in new[] { "boot", "kernel", "initrd", "kernel-params" })
        {
            File.CreateSymbolicLink(Path.Combine(staging, entry), Path.Combine(built, entry));
        }
        if (config is not null)
        {
            File.WriteAllText(Path.Combine(staging, "miniguest-config.json"), config);
        }
        File.WriteAllText(Path.Combine(staging, "manifest.json"),
            """{"version":2,"elements":[{"active":true,"attrPath":"x","originalUrl":"path:/x","url":"path:/x","storePaths":[]}]}""");
        var output = NixStoreCommand.Add(staging);
        Directory.Delete(staging, recursive: true);
        host.LinkByHand(name, output);
    }

    // "miniguest: error: nix profile install: " and the first line of Nix's error; the lines after it are Nix's.
    [GeneratedRegex(@"^miniguest: error: nix [a-z-]+( [a-z-]+)?: ")]
    private static partial Regex NixErrorHeader();
}
