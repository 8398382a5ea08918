using System.CommandLine;
using System.Runtime.InteropServices;
using System.Text;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

/// <summary><c>miniguest top [NAME…]</c>: what every guest of every host does, live, on the terminal's alternate screen
/// (<see cref="TopView"/>), until <c>q</c> or Ctrl+C; the terminal is given back as it was, whatever ends it.</summary>
internal static class TopCommand
{
    private const string EnterScreen = "\x1b[?1049h\x1b[?25l"; // the alternate screen, the cursor hidden
    private const string LeaveScreen = "\x1b[?25h\x1b[?1049l";
    private const byte Interrupt = 0x03; // Ctrl+C, a byte in raw mode
    private const byte EndOfInput = 0x04; // Ctrl+D

    public static Command Create()
    {
        var names = new Argument<string[]>("NAME") { Description = "The guests (default: every guest)", Arity = ArgumentArity.ZeroOrMore };
        var interval = new Option<int>("--interval")
        {
            Description = "The seconds between two refreshes (default 2)",
            HelpName = "SECONDS",
            DefaultValueFactory = _ => 2,
            CustomParser = result => OptionParsers.AtLeast(result, 1, "seconds"),
        };
        var command = new Command("top", "Watch what each guest does to its host, live: CPU (with its recent history), memory, network, disk, uptime; "
            + "keys re-sort, q leaves")
        {
            names, interval,
        };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            if (!StandardStreams.InputIsTerminal || !StandardStreams.OutputIsTerminal || !context.TerminalRedraws)
            {
                await context.Error.WriteLineAsync("miniguest: error: top draws on a terminal that can redraw (TERM set, not dumb); "
                    + "for a script or a log, use: miniguest stats");
                return CommandAction.Failure;
            }
            var every = TimeSpan.FromSeconds(parse.GetValue(interval));
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            await using var samples = context.Host.WatchStatsAsync(parse.GetValue(names) ?? [], every, stop.Token).GetAsyncEnumerator(stop.Token);
            // The first sample before the screen changes: a guest not installed, a URI refused, is an error line as any other.
            if (!await samples.MoveNextAsync())
            {
                return CommandAction.Success;
            }
            var view = new TopView(every);
            view.Add(samples.Current);
            await RunAsync(view, samples, stop);
            return CommandAction.Success;
        });
        return command;
    }

    // Draws each sample, and again at each key and each resize, until a key or a signal ends it; the terminal restored.
    private static async Task RunAsync(TopView view, IAsyncEnumerator<IReadOnlyList<GuestStats>> samples, CancellationTokenSource stop)
    {
        var output = StandardStreams.OpenOutput();
        var redraw = new SemaphoreSlim(0);
        using var resized = OperatingSystem.IsLinux() ? PosixSignalRegistration.Create(PosixSignal.SIGWINCH, _ => redraw.Release()) : null;
        using (RawTerminal.Enter())
        {
            Write(output, EnterScreen);
            try
            {
                var keys = Task.Factory.StartNew(() => ReadKeys(view, redraw, stop), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                var sampling = Task.Run(async () =>
                {
                    while (await samples.MoveNextAsync())
                    {
                        lock (view)
                        {
                            view.Add(samples.Current);
                        }
                        redraw.Release();
                    }
                });
                Draw(view, output);
                while (!stop.IsCancellationRequested)
                {
                    await Task.WhenAny(redraw.WaitAsync(stop.Token), sampling);
                    if (sampling.IsCompleted || stop.IsCancellationRequested)
                    {
                        break;
                    }
                    Draw(view, output);
                }
                stop.Cancel();
                // A failure of the sampling is the command's, reported once the screen is back.
                await sampling.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (sampling.Exception?.InnerException is { } failure and not OperationCanceledException)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
                }
            }
            finally
            {
                Write(output, LeaveScreen);
            }
        }
    }

    private static void Draw(TopView view, Stream output)
    {
        var (columns, rows) = StandardStreams.Size() ?? (80, 24);
        IReadOnlyList<string> lines;
        lock (view)
        {
            lines = view.Render(columns, rows, DateTimeOffset.UtcNow);
        }
        // One write a frame, from the top left, each line cleared to its end: no flicker, nothing of the last frame left.
        Write(output, "\x1b[H" + string.Join("\x1b[K\r\n", lines) + "\x1b[K\x1b[J");
    }

    // The keys typed: a sort key re-sorts at once; q, Ctrl+C, Ctrl+D or the end of input leave.
    private static void ReadKeys(TopView view, SemaphoreSlim redraw, CancellationTokenSource stop)
    {
        var buffer = new byte[64];
        while (!stop.IsCancellationRequested)
        {
            var count = RawTerminal.Read(buffer);
            if (count == 0)
            {
                stop.Cancel();
                return;
            }
            foreach (var key in buffer.AsSpan(0, count))
            {
                if (key is (byte)'q' or (byte)'Q' or Interrupt or EndOfInput)
                {
                    stop.Cancel();
                    return;
                }
                if (TopView.SortKeys.FirstOrDefault(sort => sort.Key == char.ToLowerInvariant((char)key)) is { Name: not null } chosen)
                {
                    lock (view)
                    {
                        view.Sort = chosen.Sort;
                    }
                    redraw.Release();
                }
            }
        }
    }

    private static void Write(Stream output, string text) => output.Write(Encoding.UTF8.GetBytes(text));
}
