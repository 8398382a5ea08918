using System.CommandLine;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

internal static class InstallCommand
{
    // A completion waits no longer for Nix (a flake to fetch, say): past it, it offers nothing.
    private static readonly TimeSpan ConfigurationsTimeout = TimeSpan.FromSeconds(3);

    public static Command Create()
    {
        var reference = new Argument<string>("FLAKEREF") { Description = "The guest: FLAKEREF[#ATTR], building nixosConfigurations.ATTR (default: default)" };
        reference.CompletionSources.Add(context => Configurations(context.ParseResult, context.WordToComplete));
        var name = new Option<string?>("--name", "-n") { Description = "The guest's name (default: ATTR)" };
        var force = new Option<bool>("--force", "-f") { Description = "Replace an installed guest of that name, and re-sync its domain" };
        var buildOnTarget = new Option<bool>("--build-on-target")
        {
            Description = "With -c naming another host: build the guest there (evaluated here), and bring the build back for its profile",
        };
        var command = new Command("install", "Build a guest into its own Nix profile and link it at /etc/miniguests/NAME")
        {
            reference, name, force, buildOnTarget,
        };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var installable = InstallableReference.Parse(parse.GetRequiredValue(reference));
            if (context.Host.RemoteUriOf(parse.GetValue(name) ?? installable.Attribute) is not null)
            {
                RemoteInstallResult remote;
                using (var progress = context.BuildProgress())
                {
                    remote = await context.Host.InstallRemoteAsync(installable, parse.GetValue(name), parse.GetValue(force), parse.GetValue(buildOnTarget),
                        progress, cancellationToken);
                }
                await context.ReportAsync($"installed '{remote.Name}' on {remote.Host}, generation {remote.Generation}: {remote.StorePath}");
                return CommandAction.Success;
            }
            if (parse.GetValue(buildOnTarget))
            {
                throw new InvalidDomainOptionsException("--build-on-target builds on another host: name it with -c (qemu+ssh://root@HOST/system)");
            }
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

    // Once a '#' is typed, FLAKEREF#ATTR for each of the flake's configurations; nothing where Nix cannot say in time.
    private static IEnumerable<string> Configurations(ParseResult parse, string word)
    {
        var hash = word.IndexOf('#', StringComparison.Ordinal);
        if (hash <= 0)
        {
            return [];
        }
        var flakeRef = word[..hash];
        using var context = new CliContext(parse);
        using var timeout = new CancellationTokenSource(ConfigurationsTimeout);
        try
        {
            return context.Host.Nix.ConfigurationNamesAsync(flakeRef, timeout.Token).GetAwaiter().GetResult()
                .Select(attribute => $"{flakeRef}#{attribute}").ToList();
        }
        catch (Exception e) when (e is MiniguestException or OperationCanceledException or System.Text.Json.JsonException)
        {
            return [];
        }
    }
}
