using Miniguest.Cli;
using Miniguest.Core;

namespace Miniguest.Tests.Cli;

/// <summary>What the command line decides on its own, in-process: a usage error is one line, the command's own help and
/// exit 2, and names the word at fault (an unknown option by name, with the option meant when one is close); an odd guest
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

    [TestCase(new[] { "strat", "web" }, "Did you mean 'start'?", "miniguest --help")]
    [TestCase(new[] { "start", "web", "db", "--console" }, "--console attaches to one guest's console: give one NAME", "miniguest start --help")]
    [TestCase(new[] { "upgrade", "web", "--all" }, "give a guest NAME or --all, not both", "miniguest upgrade --help")]
    [TestCase(new[] { "create", "web", "--memory", "lots" }, "lots", "miniguest create --help")]
    [TestCase(new[] { "create", "web", "--virt-type", "xen" }, "xen", "miniguest create --help")]
    [TestCase(new[] { "create", "web", "--network", "none", "--bridge", "br0" }, "--network none cannot be given with other networks", "miniguest create --help")]
    [TestCase(new[] { "create", "web", "--share", "data" }, "--share takes TAG=PATH", "miniguest create --help")]
    [TestCase(new[] { "create", "web", "--share", "data=/a", "--share", "data=/b" }, "--share gives share 'data' twice", "miniguest create --help")]
    [TestCase(new[] { "create", "web", "--credential", "token" }, "--credential takes ID=PATH", "miniguest create --help")]
    [TestCase(new[] { "create", "web", "--credential", "../shadow=/etc/shadow" }, "'../shadow' is not a credential ID", "miniguest create --help")]
    [TestCase(new[] { "create", "web", "--credential", "token=/a", "--no-credential", "token" }, "credential 'token' is given twice", "miniguest create --help")]
    [TestCase(new[] { "rollback", "web", "--to", "two" }, "two", "miniguest rollback --help")]
    [TestCase(new[] { "stop" }, "'stop'", "miniguest stop --help")]
    [TestCase(new[] { "create", "web", "--network" }, "--network", "miniguest create --help")]
    [TestCase(new[] { "create", "web", "--share" }, "--share", "miniguest create --help")]
    [TestCase(new[] { "upgrade" }, "give a guest NAME or --all", "miniguest upgrade --help")]
    [TestCase(new[] { "autostart", "web", "maybe" }, "maybe", "miniguest autostart --help")]
    public async Task A_usage_error_is_one_line_and_the_command_s_own_help_and_exits_2(string[] arguments, string named, string help)
    {
        var result = await _cli.RunAsync(arguments);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
            Assert.That(result.ErrorLines, Has.Count.EqualTo(2));
            Assert.That(result.ErrorLines[0], Does.StartWith("miniguest: ").And.Contain(named));
            Assert.That(result.ErrorLines[1], Is.EqualTo($"Run '{help}' for usage."));
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
    public async Task A_broken_guest_is_listed_with_what_is_wrong_in_an_admins_words()
    {
        Directory.CreateDirectory(_cli.Paths.Guests);
        Directory.CreateDirectory(_cli.Paths.Profiles);
        var generation = Directory.CreateDirectory(Path.Combine(_cli.Root, "gone-generation")).FullName;
        File.CreateSymbolicLink(Path.Combine(_cli.Paths.Profiles, "web-1-link"), generation);
        File.CreateSymbolicLink(Path.Combine(_cli.Paths.Profiles, "web"), "web-1-link");
        File.CreateSymbolicLink(Path.Combine(_cli.Paths.Guests, "web"), Path.Combine(_cli.Paths.Profiles, "web"));

        var listed = await _cli.RunAsync("list");
        var named = await _cli.RunAsync("list", "web", "--json");
        var running = await _cli.RunAsync("list", "--running", "--json");
        var unknown = await _cli.RunAsync("list", "web", "nosuch");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(listed.OutLines[0], Does.Match("^NAME +TYPE +STATUS +GEN +RUNNING +AUTO +ADDRESS +SOURCE$"));
            Assert.That(listed.OutLines.Skip(1).Single(), Does.Match(@"^web +\? +broken +- +- +- +- +.*/profiles/web/manifest\.json: missing$"));
            Assert.That(named.Out, Does.Contain("\"name\": \"web\""));
            Assert.That(running.Out.Trim(), Is.EqualTo("[]"), "a broken guest does not run");
            Assert.That((unknown.ExitCode, unknown.Error), Is.EqualTo((1, "miniguest: error: no guest named 'nosuch' is installed\n")));
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
    public async Task A_generation_that_is_not_a_number_is_named_as_such_without_dotnet_s_words()
    {
        var result = await _cli.RunAsync("rollback", "web", "--to", "x");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
            Assert.That(result.ErrorLines[0], Is.EqualTo("miniguest: --to must be a generation's number (miniguest generations NAME lists them), not 'x'"));
        }
    }

    // A value for each argument of the commands, so that only the option given a word is wrong.
    private static readonly Dictionary<string, string> ArgumentValues = new(StringComparer.Ordinal)
    {
        ["NAME"] = "web", ["on|off"] = "on", ["SHELL"] = "bash", ["FLAKEREF"] = "path:/nonexistent#web", ["DIR"] = "dir",
    };

    public static IEnumerable<TestCaseData> TypedOptions() =>
        from command in MiniguestCommand.Create(_ => null).Subcommands
        from option in command.Options
        where option.ValueType != typeof(bool) && option.ValueType != typeof(string) && option.ValueType != typeof(string[])
        select new TestCaseData(command.Name, option.Name).SetArgDisplayNames(command.Name, option.Name);

    [TestCaseSource(nameof(TypedOptions))]
    public async Task An_option_given_a_word_for_a_number_names_itself_and_no_dotnet_type(string command, string option)
    {
        var tree = MiniguestCommand.Create(_ => null).Subcommands.Single(c => c.Name == command);
        var arguments = tree.Arguments.Select(argument => ArgumentValues[argument.Name]);
        var required = tree.Options.Where(other => other.Required && other.Name != option).SelectMany(other => new[] { other.Name, "file" });
        var result = await _cli.RunAsync([command, .. arguments, .. required, option, "x"]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
            Assert.That(result.ErrorLines[0], Does.StartWith($"miniguest: {option} ").And.Contain("'x'").And.Not.Contain("System."));
        }
    }

    [TestCase(new[] { "start", "--foo", "web" }, "--foo")]
    [TestCase(new[] { "start", "web", "--foo" }, "--foo")]
    [TestCase(new[] { "stop", "--all" }, "--all")]
    [TestCase(new[] { "stop", "web", "-x" }, "-x")]
    [TestCase(new[] { "install", "-x" }, "-x")]
    [TestCase(new[] { "install", "--fast", "path:/nonexistent#web" }, "--fast")]
    [TestCase(new[] { "template", "--here" }, "--here")]
    [TestCase(new[] { "create", "--memroy", "512", "web" }, "--memroy")]
    [TestCase(new[] { "--colour", "list" }, "--colour")]
    public async Task A_word_that_looks_like_an_option_and_is_none_is_blamed_by_name_and_exits_2(string[] arguments, string unknown)
    {
        var result = await _cli.RunAsync(arguments);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
            Assert.That(result.ErrorLines, Has.Count.EqualTo(2));
            Assert.That(result.ErrorLines[0], Does.StartWith($"miniguest: unknown option '{unknown}'"));
            Assert.That(result.Error, Does.Not.Contain("invalid guest name").And.Not.Contain("no-nix"), "refused before anything runs");
            Assert.That(_cli.Snapshot(), Is.Empty, "nothing written");
        }
    }

    [Test]
    public async Task After_a_double_dash_a_word_starting_with_a_dash_is_a_name_and_refused_as_one()
    {
        var result = await _cli.RunAsync("stop", "--", "-x");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
            Assert.That(result.Error, Does.StartWith("miniguest: error: invalid guest name '-x'"));
        }
    }

    [TestCase(new[] { "create", "web", "--memroy", "512" }, "--memory")]
    [TestCase(new[] { "upgrade", "--al" }, "--all")]
    [TestCase(new[] { "stop", "web", "--forse" }, "--force")]
    [TestCase(new[] { "list", "--jsno" }, "--json")]
    [TestCase(new[] { "start", "web", "--consol" }, "--console")]
    [TestCase(new[] { "list", "--verbos" }, "--verbose")]
    public async Task A_mistyped_option_gets_the_option_meant(string[] arguments, string meant)
    {
        var result = await _cli.RunAsync(arguments);

        Assert.That(result.ErrorLines[0], Does.EndWith($". Did you mean '{meant}'?"), result.ToString());
    }

    [TestCase("rollback web --foo")]
    [TestCase("stop web -x")]
    [TestCase("stop --all")]
    public async Task An_unknown_option_near_none_gets_no_suggestion(string commandLine) =>
        Assert.That((await _cli.RunAsync(commandLine.Split(' '))).Error, Does.Not.Contain("Did you mean"));

    [Test]
    public void A_command_that_needs_root_says_so_in_one_line_with_the_way_to_run_it()
    {
        var line = CommandAction.ErrorLine(new RootRequiredException("qemu:///system", new UnauthorizedAccessException("denied")));

        Assert.That(line, Is.EqualTo("miniguest: error: this needs root: libvirt's system connections and Miniguest's state are root's "
            + "(qemu:///system refused this user); run it with sudo"));
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
