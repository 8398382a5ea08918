namespace Miniguest.Tests.Integration.Cli;

[TestFixture, Category(TestCategories.Integration)]
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
        string[] Suggest(string line) =>
            Host.Ok($"[suggest:{line.Length}]", line).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Suggest("miniguest start "), Does.Contain("alpha").And.None.StartsWith("/").And.Not.Contain("-?"), "no DOS help spellings");
            Assert.That(Suggest("miniguest autostart alpha "), Does.Contain("on").And.Contain("off").And.Not.Contain("alpha"), "the name is given");
            Assert.That(Suggest("miniguest rollback alpha --to "), Is.EqualTo(new[] { "1", "2" }), "the guest's generations");
        }
    }
}
