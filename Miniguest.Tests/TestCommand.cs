using System.Diagnostics;

namespace Miniguest.Tests;

/// <summary>What a command printed, and how it ended.</summary>
internal sealed record CommandResult(int ExitCode, string Out, string Error)
{
    public IReadOnlyList<string> OutLines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public IReadOnlyList<string> ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Out}\nstderr:\n{Error}";
}

/// <summary>
/// The one way the tests run a program: with an argument list, never through a shell unless the caller runs
/// <c>sh -c</c> itself; with its environment, working directory and standard input as given; within a time limit, after
/// which it and whatever it started are killed; and with both of its output streams read at once, so that neither
/// fills up and blocks it. Every run is logged to the test's output.
/// </summary>
internal sealed record TestCommand(string Program, IReadOnlyList<string> Arguments)
{
    public static readonly TimeSpan DefaultTimeLimit = TimeSpan.FromMinutes(10);

    /// <summary>How long the output may stay open after the program exited: a process it left running in the background
    /// (<c>sh -c 'x &amp;'</c>) would otherwise hold the test for ever.</summary>
    private static readonly TimeSpan OutputPatience = TimeSpan.FromSeconds(10);

    /// <summary>Variables to set in the program's environment, over this process's; a <see langword="null"/> value
    /// removes the variable.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    public string? WorkingDirectory { get; init; }

    /// <summary>What the program reads on its standard input; with none, its standard input is closed at once.</summary>
    public string? Input { get; init; }

    public TimeSpan TimeLimit { get; init; } = DefaultTimeLimit;

    /// <summary>What the log and the messages call the command (<c>miniguest install …</c> rather than the shell that
    /// sets its umask); the command line by default.</summary>
    public string? DisplayName { get; init; }

    /// <summary>Logs only the command and how it ended, not what it printed (a listing of a whole tree, say).</summary>
    public bool Quiet { get; init; }

    /// <summary>Runs <paramref name="program"/> and returns what it printed, whatever its exit code.</summary>
    public static CommandResult Run(string program, params string[] arguments) => new TestCommand(program, arguments).Run();

    /// <summary>Runs <paramref name="program"/>, which must exit 0.</summary>
    public static CommandResult Ok(string program, params string[] arguments) => new TestCommand(program, arguments).Ok();

    /// <summary>Runs the command to its end and returns what it printed; throws a <see cref="TimeoutException"/> naming
    /// it if it outlives <see cref="TimeLimit"/>, once it and what it started are killed.</summary>
    public CommandResult Run()
    {
        var clock = Stopwatch.StartNew();
        using var process = Start();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeLimit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            var printed = Task.WaitAll([output, error], OutputPatience) ? $"\nstdout:\n{output.Result}\nstderr:\n{error.Result}" : "";
            throw new TimeoutException($"{Name} did not finish within {TimeLimit}; it and what it started were killed{printed}");
        }
        if (!Task.WaitAll([output, error], OutputPatience))
        {
            throw new TimeoutException($"{Name} exited with {process.ExitCode}, but what it left running still holds its output open");
        }
        var result = new CommandResult(process.ExitCode, output.Result, error.Result);
        TestContext.Out.WriteLine($"$ {Name} ({clock.Elapsed.TotalSeconds:F1} s)\n{(Quiet ? $"exit {result.ExitCode}" : result)}");
        return result;
    }

    /// <summary>Runs the command, which must exit 0: fails the test with what it printed otherwise.</summary>
    public CommandResult Ok()
    {
        var result = Run();
        Assert.That(result.ExitCode, Is.Zero, $"{Name} failed:\n{result}");
        return result;
    }

    /// <summary>Starts the command with its output redirected and its input given (or closed): for a test that watches
    /// it run, or kills it. The caller reads both output streams, waits, and disposes of the process.</summary>
    public Process Start()
    {
        var process = Process.Start(StartInfo())!;
        if (Input is null)
        {
            process.StandardInput.Close();
        }
        else
        {
            // Written aside, so that a program that prints before it reads never waits on the caller.
            _ = Task.Run(() =>
            {
                try
                {
                    using var input = process.StandardInput;
                    input.Write(Input);
                }
                catch (IOException)
                {
                    // It exited without reading all of it.
                }
            });
        }
        return process;
    }

    /// <summary>How <see cref="Start"/> starts the command, for a caller that needs another set-up of its streams (a
    /// pseudo-terminal, say): every stream redirected, the environment and working directory as given.</summary>
    public ProcessStartInfo StartInfo()
    {
        var startInfo = new ProcessStartInfo(Program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (WorkingDirectory is not null)
        {
            startInfo.WorkingDirectory = WorkingDirectory;
        }
        foreach (var argument in Arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        foreach (var (variable, value) in Environment)
        {
            if (value is null)
            {
                startInfo.Environment.Remove(variable);
            }
            else
            {
                startInfo.Environment[variable] = value;
            }
        }
        return startInfo;
    }

    private string Name => DisplayName ?? ToString();

    /// <summary>The command line, each empty argument shown as <c>''</c>.</summary>
    public override string ToString() =>
        string.Join(' ', Arguments.Select(argument => argument.Length == 0 ? "''" : argument).Prepend(Program));
}
