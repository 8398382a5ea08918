using System.CommandLine;
using Miniguest.Core;
using Miniguest.Libvirt;

namespace Miniguest.Cli.Commands;

internal static class StopCommand
{
    public static Option<int> Timeout() => new("--timeout") { Description = "Seconds to wait for a graceful shutdown", DefaultValueFactory = _ => 60 };

    public static Option<bool> Force() => new("--force", "-f") { Description = "Pull the plug if the guest does not stop in time" };

    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The guest to stop" };
        var force = Force();
        var timeout = Timeout();
        var command = new Command("stop", "Shut a guest down gracefully") { name, force, timeout };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var guest = context.Store.Get(parse.GetRequiredValue(name));
            using var connection = context.ConnectFor(guest);
            using var domain = context.Domains.Get(connection, guest.Name);
            if (!domain.IsActive)
            {
                await context.Out.WriteLineAsync($"'{guest.Name}' is not running");
                return CommandAction.Success;
            }
            await StopAsync(domain, guest.Name, parse.GetValue(timeout), parse.GetValue(force), cancellationToken);
            await context.Out.WriteLineAsync($"stopped '{guest.Name}'");
            return CommandAction.Success;
        });
        return command;
    }

    /// <summary>Shuts the domain down gracefully; after the timeout destroys it with <paramref name="force"/>, or fails.</summary>
    public static async Task StopAsync(Domain domain, string name, int timeoutSeconds, bool force, CancellationToken cancellationToken)
    {
        if (await domain.ShutdownAsync(TimeSpan.FromSeconds(timeoutSeconds), ShutdownDomainFlags.Default, cancellationToken))
        {
            return;
        }
        if (!force)
        {
            throw new GuestStateException($"'{name}' did not stop within {timeoutSeconds} s; use --force to pull the plug");
        }
        domain.Destroy();
    }
}
