using Miniguest.Tests.Integration.Cli;

namespace Miniguest.Tests.Cli;

/// <summary>What the <c>miniguest</c> executable sends a terminal, byte for byte: run on a pseudo-terminal (util-linux's
/// <c>script</c>) on a host layout of its own, with a Nix that builds two steps and fails. It leaves the terminal's
/// modes as it found them (.NET's console would switch it to keypad mode, <c>ESC[?1h ESC=</c>, for good), and redraws
/// its progress line only where the terminal can (not under <c>TERM=dumb</c>).</summary>
[Parallelizable]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TerminalTests
{
    private const string Redraw = "\r\x1b[K";

    private InProcessCli _layout = null!;

    [SetUp]
    public void CreateLayout()
    {
        _layout = new InProcessCli();
        var nix = Path.Combine(_layout.Root, "nix");
        File.WriteAllText(nix, """
            #!/bin/sh
            emit() { printf '@nix %s\n' "$1" >&2; }
            emit '{"action":"start","id":1,"level":0,"type":104,"text":""}'
            emit '{"action":"result","id":1,"type":105,"fields":[0,2,0,0]}'
            emit '{"action":"start","id":2,"level":3,"type":105,"text":"building","fields":["/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-first-1.0.drv","",1,1]}'
            sleep 0.2
            emit '{"action":"result","id":1,"type":105,"fields":[1,2,0,0]}'
            emit '{"action":"start","id":3,"level":3,"type":105,"text":"building","fields":["/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-second-2.0.drv","",1,1]}'
            sleep 0.2
            emit '{"action":"msg","level":0,"msg":"error: the test build failed"}'
            exit 1

            """.ReplaceLineEndings("\n"));
        File.SetUnixFileMode(nix, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _layout.Environment["MINIGUEST_NIX"] = nix;
    }

    [TearDown]
    public void DeleteLayout() => _layout.Dispose();

    [TestCase("--help")]
    [TestCase("stop --help")]
    [TestCase("list")]
    [TestCase("start web")]
    [TestCase("stop --all")]
    [TestCase("completions bash")]
    [TestCase("install path:/nonexistent#web")]
    public void Nothing_it_prints_on_a_terminal_switches_the_terminal_s_modes(string commandLine)
    {
        var shown = OnTerminal("xterm-256color", commandLine.Split(' '));

        using (Assert.EnterMultipleScope())
        {
            // Ordinal: a culture's comparison ignores the escape character.
            Assert.That(shown.Out.Contains("\x1b[?1h", StringComparison.Ordinal) || shown.Out.Contains("\x1b=", StringComparison.Ordinal), Is.False,
                "keypad mode:\n" + shown.Out);
            // The progress line's redraw is the one sequence miniguest sends.
            Assert.That(shown.Out.Replace(Redraw, "", StringComparison.Ordinal).Contains('\x1b', StringComparison.Ordinal), Is.False,
                "no other escape sequence:\n" + shown.Out);
            Assert.That(shown.Out.Trim(), Is.Not.Empty, "it ran, and printed");
        }
    }

    [Test]
    public void A_build_redraws_one_line_on_a_terminal_that_can_and_prints_plain_lines_under_TERM_dumb()
    {
        var smart = OnTerminal("xterm-256color", "install", "path:/nonexistent#web");
        var dumb = OnTerminal("dumb", "install", "path:/nonexistent#web");
        var unknown = OnTerminal(null, "install", "path:/nonexistent#web");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(smart.Out, Does.Contain(Redraw + "[1/2 built] second-2.0" + Redraw + "miniguest: error:"));
            foreach (var plain in new[] { dumb, unknown })
            {
                Assert.That(plain.Out.Contains('\x1b', StringComparison.Ordinal), Is.False, "no redraw:\n" + plain.Out);
                Assert.That(plain.Out, Does.Contain("miniguest: [0/2 built] first-1.0\r\nminiguest: [1/2 built] second-2.0\r\nminiguest: error:"));
            }
        }
    }

    [TestCase("--help")]
    [TestCase("create --help")]
    [TestCase("upgrade --help")]
    public void Help_fits_a_terminal_of_80_columns_and_names_its_arguments(string commandLine)
    {
        var shown = OnTerminal("xterm-256color", commandLine.Split(' '));
        var lines = shown.Out.Split("\r\n");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(lines.Where(line => line.Length > 80), Is.Empty, "no line wider than the terminal");
            Assert.That(shown.Out, Does.Contain("<NAME>"), "the argument's name");
        }
    }

    // The command on a pseudo-terminal of 80 columns with TERM set as given (null: unset); what the terminal showed is
    // Out, as the bytes came (output and error both, with the terminal's \r\n).
    private CommandResult OnTerminal(string? term, params string[] arguments)
    {
        var executable = Path.Combine(AppContext.BaseDirectory, "miniguest");
        var command = "stty cols 80 && exec " + string.Join(' ', arguments.Prepend(executable).Select(MiniguestHost.Quoted));
        var environment = new Dictionary<string, string?>(_layout.Environment) { ["TERM"] = term };
        return new TestCommand("script", ["--quiet", "--return", "--command", command, "/dev/null"])
        {
            Environment = environment,
            TimeLimit = TimeSpan.FromMinutes(1),
        }.Run();
    }
}
