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
            var guest = context.Store.Get(parse.GetRequiredValue(name));
            using var connection = context.ConnectFor(guest);
            using var domain = context.Domains.Get(connection, guest.Name);
            CrashPoint.Reach(CrashPoint.SetAutostart);
            domain.Autostart = parse.GetRequiredValue(state) == "on";
            await context.Out.WriteLineAsync($"autostart of '{guest.Name}' is {(domain.Autostart ? "on" : "off")}");
            return CommandAction.Success;
        });
        return command;
    }
}
