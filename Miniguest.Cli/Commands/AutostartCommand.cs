using System.CommandLine;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

internal static class AutostartCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The guest" };
        var state = new Argument<string>("on|off") { Description = "Start the guest with the host, or not" };
        state.AcceptOnlyFromAmong("on", "off");
        var command = new Command("autostart", "Start a guest when the host starts, or stop doing so") { name, state };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var guest = parse.GetRequiredValue(name);
            var on = context.Host.SetAutostart(guest, parse.GetRequiredValue(state) == "on");
            await context.ReportAsync($"autostart of '{guest}' is {(on ? "on" : "off")}");
            return CommandAction.Success;
        });
        return command;
    }
}
