using System.CommandLine;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

/// <summary><c>miniguest switch NAME</c>: a running guest moved to its current generation without a restart, the guest's
/// own activation output shown as it comes; exit 0 only when the guest says it switched.</summary>
internal static class SwitchCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The running guest" };
        var command = new Command("switch", "Move a running guest to its current generation without a restart, as nixos-rebuild switch does")
        {
            name,
        };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var guest = parse.GetRequiredValue(name);
            return await RunAsync(context, guest, cancellationToken);
        });
        return command;
    }

    /// <summary>The <c>--switch</c> of the commands that move a guest to another generation.</summary>
    public static Option<bool> AfterOption() => new("--switch")
    {
        Description = "Then switch the guest, where it runs another generation, to its new one without a restart (as miniguest switch does)",
    };

    /// <summary>Switches <paramref name="guest"/> and says how it went: for <c>switch</c>, and for the commands that switch
    /// after their work (<c>--switch</c>). A failed activation is the command's failure (<see cref="GuestSwitchFailedException"/>).</summary>
    public static async Task<int> RunAsync(CliContext context, string guest, CancellationToken cancellationToken)
    {
        // The guest's lines as they come, each under its name, on standard output: what the admin asked to see.
        var output = new LineProgress(line => context.Out.WriteLine($"{guest}> {line}"));
        var result = await context.Host.SwitchAsync(guest, output, cancellationToken);
        var generation = result.To is { } to ? $"generation {to}" : "its current generation";
        if (result.Outcome == SwitchOutcome.AlreadyCurrent)
        {
            await context.ReportAsync($"'{guest}' runs {generation} already");
            return CommandAction.Success;
        }
        await context.ReportAsync($"'{guest}' switched to {generation} without a restart");
        if (result.RestartNeeded)
        {
            await context.Error.WriteLineAsync($"miniguest: warning: '{guest}': the kernel, initrd or kernel command line of {generation} differ from "
                + $"those it booted: they take effect at its next restart (miniguest restart {guest})");
        }
        return CommandAction.Success;
    }
}
