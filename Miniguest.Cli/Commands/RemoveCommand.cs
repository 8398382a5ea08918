using System.CommandLine;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

internal static class RemoveCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The guest to remove" };
        var keepDomain = new Option<bool>("--keep-domain") { Description = "Leave the guest's libvirt domain defined" };
        var force = new Option<bool>("--force", "-f") { Description = "Stop a running guest first (with --keep-domain too)" };
        var command = new Command("remove", "Undefine a guest's domain and delete its link, profile and generations") { name, keepDomain, force };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var guest = context.Store.Get(parse.GetRequiredValue(name));
            if (!guest.IsImperative)
            {
                throw new GuestStateException($"guest '{guest.Name}' is declarative: remove it from the host's NixOS configuration");
            }
            // Even with --keep-domain: a running guest's files are never deleted (a container owns its root and could
            // swap what is about to be deleted).
            if (File.Exists(context.Paths.ConnectionUriFile(guest.Name)) || context.Connect is not null)
            {
                using var connection = context.ConnectFor(guest);
                using var domain = context.Domains.Find(connection, guest.Name);
                if (domain is not null)
                {
                    if (domain.IsActive)
                    {
                        if (!parse.GetValue(force))
                        {
                            throw new GuestStateException($"guest '{guest.Name}' is running; stop it first or use --force");
                        }
                        CrashPoint.Reach(CrashPoint.StopDomain);
                        domain.Destroy();
                    }
                    if (!parse.GetValue(keepDomain))
                    {
                        CrashPoint.Reach(CrashPoint.UndefineDomain);
                        domain.Undefine();
                    }
                }
            }
            await context.Installer.RemoveAsync(guest.Name, cancellationToken);
            await context.Out.WriteLineAsync($"removed '{guest.Name}'");
            return CommandAction.Success;
        });
        return command;
    }
}
