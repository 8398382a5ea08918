using Miniguest.Core;

namespace Miniguest.Tests.Unit;

/// <summary>The miniguest another host runs as its agent: this one's own package where it lives in the store, copied there
/// first; else the target's own, found on its search path with Nix's program directories added, in one exec.</summary>
public sealed class AgentProgramTests
{
    [Test]
    public void A_miniguest_in_the_store_runs_its_own_package_there_after_copying_it()
    {
        var program = AgentProgram.Of("/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-miniguest-0.1.0/lib/miniguest/miniguest");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(program.StorePath, Is.EqualTo("/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-miniguest-0.1.0"));
            Assert.That(program.Program, Is.EqualTo("/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-miniguest-0.1.0/bin/miniguest"));
        }
    }

    [TestCase("/usr/local/bin/miniguest")]
    [TestCase("/nix/store/not-a-store-path/bin/miniguest")]
    [TestCase(null)]
    public void Any_other_runs_the_targets_own_miniguest(string? processPath)
    {
        var program = AgentProgram.Of(processPath);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(program.StorePath, Is.Null);
            Assert.That(program.Program, Is.EqualTo("miniguest"));
        }
    }

    [Test]
    public void The_target_runs_one_exec_whatever_the_programs_path_holds()
    {
        var program = new AgentProgram("/nix/store/x'; rm -rf /; '", null);

        var line = program.CommandLine;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(line.Take(2), Is.EqualTo(new[] { "sh", "-c" }));
            Assert.That(line[2], Does.StartWith("PATH=").And.EndWith("exec \"$@\"").And.Not.Contain("rm"), "the script is fixed");
            Assert.That(line.Skip(4), Is.EqualTo(new[] { program.Program, "agent", "--protocol", AgentProtocol.Version.ToString(System.Globalization.CultureInfo.InvariantCulture) }),
                "the program and its arguments are arguments, each quoted as one word by the ssh command line");
        }
    }
}
