namespace Miniguest.Tests.Unit;

/// <summary>The tests' one way to run a program keeps its promises: both streams, input, environment, time limit.</summary>
[Parallelizable]
public sealed class TestCommandTests
{
    [Test]
    public void A_program_that_fills_both_streams_runs_to_its_end()
    {
        var result = TestCommand.Run("sh", "-c", "head -c 1000000 /dev/zero | tr '\\0' o; head -c 1000000 /dev/zero | tr '\\0' e >&2; exit 3");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.ExitCode, Is.EqualTo(3));
            Assert.That(result.Out, Has.Length.EqualTo(1_000_000));
            Assert.That(result.Error, Has.Length.EqualTo(1_000_000));
        }
    }

    [Test]
    public void Input_environment_and_working_directory_reach_the_program()
    {
        var directory = Path.GetTempPath();
        Environment.SetEnvironmentVariable("MINIGUEST_TEST_REMOVED", "here");
        try
        {
            var result = new TestCommand("sh", ["-c", "cat; echo \" $MINIGUEST_TEST_ADDED ${MINIGUEST_TEST_REMOVED-unset} $(pwd)\""])
            {
                Input = "typed",
                Environment = new Dictionary<string, string?> { ["MINIGUEST_TEST_ADDED"] = "added", ["MINIGUEST_TEST_REMOVED"] = null },
                WorkingDirectory = directory,
            }.Ok();

            Assert.That(result.Out, Is.EqualTo($"typed added unset {Path.TrimEndingDirectorySeparator(directory)}\n"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("MINIGUEST_TEST_REMOVED", null);
        }
    }

    [Test]
    public void A_program_that_outlives_its_time_limit_is_killed_with_what_it_started_and_named()
    {
        var pidFile = Path.GetTempFileName();
        try
        {
            var command = new TestCommand("sh", ["-c", $"sleep 60 & echo $! >{pidFile}; wait"]) { TimeLimit = TimeSpan.FromSeconds(5) };

            var timeout = Assert.Throws<TimeoutException>(() => command.Run());

            Assert.That(timeout!.Message, Does.StartWith("sh -c sleep 60 &").And.Contain("did not finish within 00:00:05"));
            var child = File.ReadAllText(pidFile).Trim();
            Assert.That(child, Is.Not.Empty, "the program started its child within its time limit");
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (IsRunning(child) && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
            Assert.That(IsRunning(child), Is.False, "the program's child was killed too");
        }
        finally
        {
            File.Delete(pidFile);
        }
    }

    // Gone, or a zombie that its new parent has yet to reap.
    private static bool IsRunning(string pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
