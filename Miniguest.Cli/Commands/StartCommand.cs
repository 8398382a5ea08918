using System.CommandLine;
using Miniguest.Core;
using Miniguest.Libvirt;

namespace Miniguest.Cli.Commands;

internal static class StartCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The guest to start" };
        var console = new Option<bool>("--console") { Description = "Attach to the guest's console once it started" };
        var command = new Command("start", "Start a guest's domain") { name, console };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var guest = context.Store.Get(parse.GetRequiredValue(name));
            if (parse.GetValue(console))
            {
                // A VM starts paused and runs once the console is attached, so its first lines are not lost.
                // libvirt-LXC cannot start paused: a container that finishes within milliseconds may outrun it.
                var vm = guest.LoadConfig().GuestType == GuestType.Qemu;
                using var paused = context.Host.Start(guest.Name, paused: vm);
                return await ConsoleSession.RunAsync(paused, vm ? paused.Resume : null, cancellationToken);
            }
            using var domain = context.Host.Start(guest.Name);
            await context.Out.WriteLineAsync($"started '{guest.Name}'");
            return CommandAction.Success;
        });
        return command;
    }
}
