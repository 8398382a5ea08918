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
        var switching = SwitchCommand.AfterOption();
        var buildOnTarget = new Option<bool>("--build-on-target")
        {
            Description = "With -c naming another host: build the guest there (evaluated here), and bring the build back for its profile",
        };
        var command = new Command("install", "Build a guest into its own Nix profile and link it at /etc/miniguests/NAME")
        {
            reference, name, force, buildOnTarget, switching,
        };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var installable = InstallableReference.Parse(parse.GetRequiredValue(reference));
            InstallResult installed;
            using (var progress = context.BuildProgress())
            {
                installed = await context.Host.InstallAsync(installable, parse.GetValue(name), parse.GetValue(force), parse.GetValue(buildOnTarget),
                    progress, cancellationToken);
            }
            await context.ReportAsync(installed.Host is null
                ? $"installed '{installed.Name}', generation {installed.Generation}: {installed.StorePath}"
                : $"installed '{installed.Name}' on {installed.Host}, generation {installed.Generation}: {installed.StorePath}");
            if (installed.Domain is { } domain)
            {
                await DomainSync.FollowAsync(context, installed.Name, domain, parse.GetValue(switching), cancellationToken);
            }
            // A new guest has no domain yet (another host's says nothing of its domain, which only a new one lacks).
            if (installed.Domain is { Outcome: ResyncOutcome.NoDomain } || (installed.Domain is null && !parse.GetValue(force)))
            {
                await context.ReportAsync($"  next: miniguest create {installed.Name} defines its domain; miniguest start {installed.Name} --console boots it");
            }
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
            return context.Host.FlakeGuestNamesAsync(flakeRef, timeout.Token).GetAwaiter().GetResult()
                .Select(attribute => $"{flakeRef}#{attribute}").ToList();
        }
        catch (Exception e) when (e is MiniguestException or OperationCanceledException or System.Text.Json.JsonException)
        {
            return [];
        }
    }
}
