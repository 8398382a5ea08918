using System.CommandLine;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

internal static class InstallCommand
{
    public static Command Create()
    {
        var reference = new Argument<string>("FLAKEREF") { Description = "The guest: FLAKEREF[#ATTR], building nixosConfigurations.ATTR (default: default)" };
        var name = new Option<string?>("--name", "-n") { Description = "The guest's name (default: ATTR)" };
        var force = new Option<bool>("--force", "-f") { Description = "Replace an installed guest of that name, and re-sync its domain" };
        var command = new Command("install", "Build a guest into its own Nix profile and link it at /etc/miniguests/NAME") { reference, name, force };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var installable = InstallableReference.Parse(parse.GetRequiredValue(reference));
            InstallResult installed;
            using (var progress = context.BuildProgress())
            {
                installed = await context.Host.InstallAsync(installable, parse.GetValue(name), parse.GetValue(force), progress, cancellationToken);
            }
            var (guest, domain) = installed;
            DomainSync.Report(context, guest.Name, domain);
            await context.ReportAsync($"installed '{guest.Name}', generation {guest.Profile.Current?.Number}: {guest.StorePath}");
            return CommandAction.Success;
        });
        return command;
    }
}
