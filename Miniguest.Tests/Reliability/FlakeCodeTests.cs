using System.Text.Json;
using Miniguest.Tests.Integration.Cli;

namespace Miniguest.Tests.Integration.Reliability;

/// <summary>
/// What a flake's code can do to root. When root presses TAB after <c>miniguest install FLAKEREF#</c> (through the bash
/// completion script as <c>miniguest completions bash</c> prints it, and the real <c>miniguest</c> and Nix): run nothing,
/// and put nothing on the command line that the shell reads as more than a guest's name. When root builds it (install),
/// under the Nix settings scripts/setup-host made: nothing of the host's that a user could not read or write.
/// </summary>
[TestFixture, Category(TestCategories.Reliability)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FlakeCodeTests
{
    private MiniguestHost _host = null!;
    private string _flake = "";
    private string _outside = "";

    [SetUp]
    public void CreateHost()
    {
        _host = new MiniguestHost();
        _flake = Directory.CreateTempSubdirectory("mgrel-flake-").FullName;
        _outside = Directory.CreateTempSubdirectory("mgrel-outside-").FullName;
    }

    [TearDown]
    public void RemoveHost()
    {
        _host.Dispose();
        Directory.Delete(_flake, recursive: true);
        Directory.Delete(_outside, recursive: true);
    }

    [Test]
    public void Tab_after_a_flake_whose_configurations_are_built_at_evaluation_runs_no_builder()
    {
        // The configurations' names come from a derivation (import from derivation); its builder leaves a mark.
        var marker = Path.Combine(_outside, "the-flakes-builder-ran");
        WriteFlake($$"""
            let
              names = derivation {
                name = "configuration-names";
                system = "x86_64-linux";
                builder = "${./busybox}/busybox";
                args = [ "sh" "-c" "${./busybox}/busybox touch {{marker}}; echo '{ good = { }; }' > $out" ];
              };
            in {
              nixosConfigurations = import names;
              packages.x86_64-linux.names = names;
            }
            """);

        var tab = PressTab($"miniguest install path:{_flake}#");

        // Where the host sandboxes builds the builder cannot leave its mark: that its output is not in the store shows it did not run.
        var output = JsonSerializer.Deserialize<string>(IntegrationEnvironment.Nix
            .EvalJsonAsync($"path:{_flake}#packages.x86_64-linux.names.outPath").GetAwaiter().GetResult())!;
        Figures.Case(Groups.Security, () =>
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(File.Exists(marker), Is.False, "the flake's builder did not run");
                Assert.That(File.Exists(output), Is.False, $"nothing was built ({output})");
                Assert.That(tab.Replies, Is.Empty, "names that need a build are not offered");
            }
        });
    }

    [Test]
    public void Tab_offers_only_guest_names_from_a_flake_and_the_shell_runs_and_expands_none()
    {
        var marker = Path.Combine(_outside, "a-name-ran");
        WriteFlake($$"""
            {
              nixosConfigurations = { good = { }; "v*" = { }; "x$(touch {{marker}})" = { }; "two words" = { }; };
            }
            """);
        // What the glob v* would match, in the directory the shell completes in.
        File.WriteAllText(Path.Combine(_flake, ".#vglobbed"), "");

        var all = PressTab("miniguest install .#");
        var glob = PressTab("miniguest install .#v");
        var command = PressTab("miniguest install .#x");

        Figures.Case(Groups.Security, () =>
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(all.Replies, Is.EqualTo(new[] { ".#good" }), "only the name a guest can have");
                Assert.That(all.Entered, Is.EqualTo(new[] { "miniguest", "install", ".#good" }), "TAB then Enter: the name, as one word");
                Assert.That(glob.Replies, Is.Empty, "v* is not a guest's name, and is expanded against no file");
                Assert.That(command.Replies, Is.Empty, "x$(…) is not a guest's name");
                Assert.That(File.Exists(marker), Is.False, "no name ran as a command, at TAB or at Enter");
            }
        });
    }

    [Test]
    public void A_flakes_builder_reads_no_root_only_file_and_writes_nothing_outside_its_output()
    {
        // In a directory only root can pass (mode 0700), as /root is.
        var secret = Path.Combine(_outside, "secret");
        File.WriteAllText(secret, "only root reads this");
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.That(File.GetUnixFileMode(_outside), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
        var planted = Path.Combine(_outside, "written-by-the-builder");
        WriteFlake($$"""
            {
              packages.x86_64-linux.probe = derivation {
                name = "builder-probe";
                system = "x86_64-linux";
                builder = "${./busybox}/busybox";
                args = [ "sh" "-c" ''
                  b=${./busybox}/busybox
                  { echo "uid=$($b id -u)"
                    $b cat {{secret}} /etc/shadow
                    $b touch {{planted}} && echo planted || echo not planted
                  } > $out 2>&1
                '' ];
              };
            }
            """);

        var output = IntegrationEnvironment.Nix.BuildAsync($"path:{_flake}#packages.x86_64-linux.probe").GetAwaiter().GetResult().Single().Out;

        var seen = File.ReadAllText(output);
        TestContext.Out.WriteLine($"what the builder saw:\n{seen}");
        Figures.Case(Groups.Security, () =>
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(seen, Does.Not.Contain("only root reads this"), "a root-only file of the host");
                Assert.That(seen, Does.Not.Contain("root:"), "/etc/shadow");
                Assert.That(File.Exists(planted), Is.False, "a file outside its output");
            }
        });
    }

    private void WriteFlake(string outputs)
    {
        // The busybox directory holds only busybox, so that Nix runs it as busybox (as the test guest does).
        Directory.CreateDirectory(Path.Combine(_flake, "busybox"));
        File.Copy(IntegrationEnvironment.Busybox, Path.Combine(_flake, "busybox", "busybox"));
        File.WriteAllText(Path.Combine(_flake, "flake.nix"), $"{{\n  outputs = {{ self }}:\n{outputs}\n;\n}}\n");
    }

    // TAB at the end of LINE, in the flake's directory: what bash would insert for the last word, and, where it would
    // complete the word, the words the command gets when Enter is pressed then (shown by a stand-in for miniguest).
    private (string[] Replies, string[] Entered) PressTab(string line)
    {
        Assert.That(line, Does.Not.Contain("'"));
        var script = $$"""
            source <(miniguest completions bash)
            COMP_LINE='{{line}}'
            COMP_POINT=${#COMP_LINE}
            _miniguest
            for reply in "${COMPREPLY[@]}"; do printf 'reply:%s\n' "$reply"; done
            words() { printf 'word:%s\n' "$@"; }
            if [ ${#COMPREPLY[@]} -eq 1 ]; then eval "words ${COMP_LINE% *} ${COMPREPLY[0]}"; fi
            """;
        var lines = _host.RunBash(script, _flake).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string[] Tagged(string tag) => lines.Where(l => l.StartsWith(tag, StringComparison.Ordinal)).Select(l => l[tag.Length..]).ToArray();
        return (Tagged("reply:"), Tagged("word:"));
    }
}
