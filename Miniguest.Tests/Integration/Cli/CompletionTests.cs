using Miniguest.Core;

namespace Miniguest.Tests.Integration.Cli;

[TestFixture, Category(TestCategories.Integration), Parallelizable]
public sealed class CompletionTests : HostFixture
{

    [TestCase("bash", "complete -o default -F _miniguest miniguest")]
    [TestCase("zsh", "compdef _miniguest miniguest")]
    [TestCase("fish", "complete -c miniguest")]
    public void Each_shell_gets_a_script_that_asks_miniguest(string shell, string registration)
    {
        var script = Host.Ok("completions", shell).Out;
        Assert.That(script, Does.Contain(registration).And.Contain("[suggest:"));
    }

    [Test]
    public void The_bash_script_replaces_only_what_follows_a_colon_as_bash_does()
    {
        // bash replaces only what follows the word's last ':', so 'path:/x#v' must become 'path:/x#vm', not 'path:path:/x#vm'.
        var script = Host.Ok("completions", "bash").Out + """
            miniguest() { printf '%s\n' 'path:/x#vm' 'path:/x#vm-virtiofs'; }
            COMP_LINE='miniguest install path:/x#v'
            COMP_POINT=${#COMP_LINE}
            _miniguest
            printf '%s\n' "${COMPREPLY[@]}"
            """;
        Assert.That(TestCommand.Ok("bash", "-c", script).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries),
            Is.EqualTo(new[] { "/x#vm", "/x#vm-virtiofs" }));
    }

    [Test]
    public void The_bash_script_inserts_each_reply_quoted_as_one_word_and_expands_none()
    {
        // A reply is inserted as bash gets it: whatever it holds, the shell must read it back as that one word.
        var script = Host.Ok("completions", "bash").Out + """
            cd "$(mktemp -d)" && touch vglobbed
            miniguest() { printf '%s\n' 'x$(touch ran)' 'v*' 'two words'; }
            COMP_LINE='miniguest install '
            COMP_POINT=${#COMP_LINE}
            _miniguest
            words() { printf '%s\n' "$@"; }
            for reply in "${COMPREPLY[@]}"; do eval "words $reply"; done
            [ ! -e ran ] && echo nothing-ran
            rm -f vglobbed ran && cd / && rmdir "$OLDPWD"
            """;
        Assert.That(TestCommand.Ok("bash", "-c", script).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries),
            Is.EqualTo(new[] { "x$(touch ran)", "v*", "two words", "nothing-ran" }));
    }

    [Test]
    public void The_suggest_directive_completes_commands_and_installed_guest_names()
    {
        Assert.That(Host.Ok("[suggest:13]", "miniguest gen").Out.Split('\n', StringSplitOptions.RemoveEmptyEntries),
            Is.EqualTo(new[] { "generations" }));

        Host.Ok("install", "-n", "alpha", TestGuestFlake.Reference + "#vm");
        Host.Ok("install", "-n", "beta", TestGuestFlake.Reference + "#vm");
        Assert.That(Host.Ok("[suggest:16]", "miniguest start ").Out.Split('\n', StringSplitOptions.RemoveEmptyEntries),
            Does.Contain("alpha").And.Contain("beta"));
    }

    [Test]
    public void Completion_offers_what_fits_where_the_cursor_is()
    {
        Host.Ok("install", "-n", "alpha", TestGuestFlake.Reference + "#vm");
        Host.Ok("install", "--force", "-n", "alpha", TestGuestFlake.Reference + "#vm-virtiofs");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Suggest("miniguest start "), Does.Contain("alpha").And.None.StartsWith("/").And.None.StartsWith("-"), "names, no option before a dash");
            Assert.That(Suggest("miniguest start -"), Does.Contain("--console").And.Not.Contain("-?"), "no DOS help spellings");
            Assert.That(Suggest("miniguest create alpha --bridge "), Is.EqualTo(Directory.GetDirectories("/sys/class/net")
                .Where(nic => Directory.Exists(Path.Combine(nic, "bridge"))).Select(Path.GetFileName).Order(StringComparer.Ordinal)), "the host's bridges, no files");
            Assert.That(Suggest("miniguest autostart alpha "), Does.Contain("on").And.Contain("off").And.Not.Contain("alpha"), "the name is given");
            Assert.That(Suggest("miniguest rollback alpha --to "), Is.EqualTo(new[] { "1", "2" }), "the guest's generations");
        }
    }

    [Test]
    public void Guest_names_complete_by_whether_the_guest_runs_and_all_where_libvirt_cannot_say()
    {
        var running = MiniguestHost.UniqueName("run");
        var stopped = MiniguestHost.UniqueName("stp");
        foreach (var name in new[] { running, stopped })
        {
            Host.Ok("install", "-n", name, TestGuestFlake.Reference + "#container");
            Host.Ok("create", name);
        }
        // The test guest powers off at once unless told to wait.
        File.WriteAllText(Path.Combine(Host.Paths.ContainerRoot(GuestName.Parse(running)), "miniguest-test-wait"), "");
        Host.Ok("start", running);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Suggest("miniguest console "), Does.Contain(running).And.Not.Contain(stopped), "console: running guests");
            Assert.That(Suggest("miniguest stop "), Does.Contain(running).And.Not.Contain(stopped), "stop: running guests");
            Assert.That(Suggest("miniguest start "), Does.Contain(stopped).And.Not.Contain(running), "start: stopped guests");
            Assert.That(Suggest("miniguest restart "), Does.Contain(running).And.Contain(stopped), "restart: any guest");
            var unreachable = "miniguest -c qemu+unix:///system?socket=/nonexistent/libvirt-sock console ";
            var fallback = Host.Ok($"[suggest:{unreachable.Length}]", unreachable);
            Assert.That(fallback.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries), Does.Contain(running).And.Contain(stopped),
                "libvirt unreachable: every installed guest");
            Assert.That(fallback.Error, Is.Empty, "libvirt unreachable: nothing printed");
        }
    }

    [Test]
    public void Install_completes_the_flakes_configurations_after_the_hash()
    {
        var flake = TestGuestFlake.Reference;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Suggest($"miniguest install {flake}#"),
                Is.SupersetOf(new[] { $"{flake}#vm", $"{flake}#vm-virtiofs", $"{flake}#container" }), "every configuration");
            Assert.That(Suggest($"miniguest install -n web {flake}#container-s"),
                Is.EquivalentTo(new[] { $"{flake}#container-server", $"{flake}#container-state", $"{flake}#container-state-idle" }), "those that fit what is typed");
            Assert.That(Suggest($"miniguest install {flake}"), Is.Empty, "no '#' yet");
            Assert.That(Suggest("miniguest install path:/nonexistent#"), Is.Empty, "a flake that is not there");
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.That(Suggest("miniguest install github:miniguest-test/no-such-flake#x"), Is.Empty, "a flake Nix cannot fetch");
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "Nix is given a few seconds, not more");
    }

    private string[] Suggest(string line) =>
        Host.Ok($"[suggest:{line.Length}]", line).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
