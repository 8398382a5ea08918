using Microsoft.Extensions.Logging;
using Miniguest.Cli;
using Miniguest.Core;

namespace Miniguest.Tests.Cli;

/// <summary>A build's progress where no line can be redrawn (a pipe, a log): a line as each step starts, with the time
/// since the build began, and a line again while a step runs long, so that a log never looks stuck.</summary>
public sealed class BuildProgressTests
{
    [Test]
    public void A_step_that_runs_long_is_said_to_still_run_with_the_time_so_far_and_nothing_once_disposed()
    {
        var log = new Log();
        var logger = new StderrLoggerProvider(LogLevel.Information, log.Writer).CreateLogger("miniguest");
        string[] lines;
        using (var progress = new BuildProgress(logger, log.Writer, inPlace: false, stillRunningInterval: TimeSpan.FromMilliseconds(100)))
        {
            progress.Report(new NixProgress(0, 2, "first-1.0", null));
            progress.Report(new NixProgress(0, 2, "first-1.0", "compiling"));
            SpinWait.SpinUntil(() => log.Lines().Length >= 3, TimeSpan.FromSeconds(10));
            lines = log.Lines();
        }
        var afterDisposal = log.Lines().Length;
        Thread.Sleep(300);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(lines[0], Is.EqualTo("miniguest: [0/2 built] first-1.0"), "the step, as it starts");
            Assert.That(lines.Skip(1), Has.All.Match(@"^miniguest: \[0/2 built\] first-1\.0 still running \(\d+s\)$"));
            Assert.That(log.Lines(), Has.Length.EqualTo(afterDisposal), "nothing once disposed");
        }
    }

    [Test]
    public void Each_step_is_a_line_once_and_a_log_line_none()
    {
        var log = new Log();
        var logger = new StderrLoggerProvider(LogLevel.Information, log.Writer).CreateLogger("miniguest");
        using (var progress = new BuildProgress(logger, log.Writer, inPlace: false))
        {
            progress.Report(new NixProgress(0, 0, "copying path '/nix/store/x-y'", null));
            progress.Report(new NixProgress(0, 2, "first-1.0", null));
            progress.Report(new NixProgress(0, 2, "first-1.0", "compiling"));
            progress.Report(new NixProgress(1, 2, "second-2.0", null));
        }

        Assert.That(log.Lines(), Is.EqualTo(new[]
        {
            "miniguest: copying path '/nix/store/x-y'", "miniguest: [0/2 built] first-1.0", "miniguest: [1/2 built] second-2.0",
        }));
    }

    [TestCase(0, "0s")]
    [TestCase(42, "42s")]
    [TestCase(187, "3m07s")]
    [TestCase(3720, "1h02m")]
    public void A_time_reads_as_a_log_says_it(int seconds, string said) =>
        Assert.That(BuildProgress.Duration(TimeSpan.FromSeconds(seconds)), Is.EqualTo(said));

    // What is logged, written from the timer's thread and read from the test's.
    private sealed class Log
    {
        private readonly StringWriter _text = new();

        public Log() => Writer = TextWriter.Synchronized(_text);

        public TextWriter Writer { get; }

        public string[] Lines()
        {
            // A synchronized writer locks itself.
            lock (Writer)
            {
                return _text.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
            }
        }
    }
}
