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
            using var connection = context.ConnectFor(guest);
            using var domain = context.Domains.Get(connection, guest.Name);
            if (domain.IsActive)
            {
                throw new GuestStateException($"guest '{guest.Name}' is already running");
            }
            GuestDomains.EnsureSafeToStart(domain);
            if (parse.GetValue(console))
            {
                // A VM starts paused and runs once the console is attached, so its first lines are not lost.
                // libvirt-LXC cannot start paused: a container that finishes within milliseconds may outrun it.
                var vm = guest.LoadConfig().GuestType == GuestType.Qemu;
                CrashPoint.Reach(CrashPoint.StartDomain);
                domain.Start(vm ? StartDomainFlags.Paused : StartDomainFlags.None);
                return await ConsoleSession.RunAsync(domain, vm ? domain.Resume : null, cancellationToken);
            }
            CrashPoint.Reach(CrashPoint.StartDomain);
            domain.Start();
            await context.Out.WriteLineAsync($"started '{guest.Name}'");
            return CommandAction.Success;
        });
        return command;
    }
}
