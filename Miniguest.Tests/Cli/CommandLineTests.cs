namespace Miniguest.Tests.Cli;

/// <summary>What the command line decides on its own, in-process: a usage error is one line and exit 2, an odd guest
/// name is refused before anything is written (or Nix is run), and help names its arguments rather than listing the
/// host's guests.</summary>
public sealed class CommandLineTests
{
    private InProcessCli _cli = null!;

    [SetUp]
    public void CreateLayout() => _cli = new InProcessCli();

    [TearDown]
    public void DeleteLayout() => _cli.Dispose();

    private static readonly string[] OddNames =
    [
        "", ".", "..", "../x", "a/b", new('a', 300), "with space", "$(touch /tmp/pwned)", "semi;colon", "new\nline",
        "ünïcode", "tab\there", "star*", "back\\slash", "web-1-link", "-x",
    ];

    [TestCaseSource(nameof(OddNames))]
    public async Task An_odd_name_is_refused_in_one_line_before_anything_is_written_or_nix_runs(string name)
    {
        var result = await _cli.RunAsync("install", "-n", name, "path:/nonexistent#vm");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
            Assert.That(result.ErrorLines, Has.Count.EqualTo(1), "one line");
            Assert.That(result.Error, Does.StartWith("miniguest: error: invalid guest name").And.Not.Contain("no-nix"), "refused before Nix runs");
            Assert.That(_cli.Snapshot(), Is.Empty, "nothing written");
        }
    }

    [TestCase(new[] { "strat", "web" }, "Did you mean 'start'?")]
    [TestCase(new[] { "start", "web", "db", "--console" }, "--console attaches to one guest's console: give one NAME")]
    [TestCase(new[] { "upgrade", "web", "--all" }, "give a guest NAME or --all, not both")]
    [TestCase(new[] { "create", "web", "--memory", "lots" }, "lots")]
    [TestCase(new[] { "create", "web", "--virt-type", "xen" }, "xen")]
    [TestCase(new[] { "rollback", "web", "--to", "two" }, "two")]
    [TestCase(new[] { "stop" }, "'stop'")]
    public async Task A_usage_error_is_one_line_and_a_pointer_to_help_and_exits_2(string[] arguments, string named)
    {
        var result = await _cli.RunAsync(arguments);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
            Assert.That(result.ErrorLines, Has.Count.EqualTo(2));
            Assert.That(result.ErrorLines[0], Does.StartWith("miniguest: ").And.Contain(named));
            Assert.That(result.ErrorLines[1], Is.EqualTo("Run 'miniguest --help' for usage."));
            Assert.That(result.Out, Is.Empty);
            Assert.That(_cli.Snapshot(), Is.Empty, "nothing written");
        }
    }

    [TestCase("miniguest autostart web ", new[] { "off", "on" })]
    [TestCase("miniguest create web --network ", new[] { "host", "none" })]
    [TestCase("miniguest list ", new string[0])]
    public async Task Completion_offers_what_takes_the_words_place_and_no_option_until_a_dash_is_typed(string line, string[] expected)
    {
        var completed = await _cli.RunAsync($"[suggest:{line.Length}]", line);

        using (Assert.EnterMultipleScope())
        {
            // Where no network answers, --network offers its two words; a host's libvirt networks come after them.
            Assert.That(completed.OutLines.Take(expected.Length), Is.EqualTo(expected));
            Assert.That(completed.OutLines, Has.None.StartWith("-"));
        }
    }

    [Test]
    public async Task Once_a_dash_is_typed_completion_offers_the_options_alone()
    {
        const string Line = "miniguest start -";

        var completed = await _cli.RunAsync($"[suggest:{Line.Length}]", Line);

        Assert.That(completed.OutLines, Does.Contain("--console").And.All.StartWith("-"));
    }

    [Test]
    public async Task Help_names_a_guest_NAME_and_lists_none_of_the_hosts_guests()
    {
        Directory.CreateDirectory(_cli.Paths.Guests);
        File.CreateSymbolicLink(Path.Combine(_cli.Paths.Guests, "installed-guest"), "/nonexistent");

        var root = await _cli.RunAsync("--help");
        var stop = await _cli.RunAsync("stop", "--help");

        using (Assert.EnterMultipleScope())
        {
            Assert.That((root.ExitCode, stop.ExitCode), Is.EqualTo((0, 0)), root.Error + stop.Error);
            Assert.That(root.Out, Does.Contain("  upgrade <NAME> ").And.Contain("  autostart <NAME> <off|on> "));
            // In-process, the usage line names the test host's executable rather than miniguest.
            Assert.That(stop.Out, Does.Contain(" stop <NAME>... [options]").And.Contain("  <NAME>  The guests to stop"));
            Assert.That(root.Out + stop.Out, Does.Not.Contain("installed-guest"), "completion offers the guests; help does not");
        }
    }
}
