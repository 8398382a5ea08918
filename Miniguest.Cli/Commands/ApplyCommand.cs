using System.CommandLine;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

/// <summary>What the NixOS host module runs at each boot and each switch: brings the declared guests in line with the
/// configuration (defines, starts, restarts them) and removes those it no longer declares.</summary>
internal static class ApplyCommand
{
    public static Command Create()
    {
        var manifest = new Option<string>("--manifest") { Description = "The manifest the host module wrote", Required = true };
        var jobs = new Option<int>("--jobs", "-j")
        {
            Description = "How many guests to start, restart or remove at once",
            DefaultValueFactory = _ => 4,
            CustomParser = result => OptionParsers.AtLeast(result, 1, ""),
        };
        var stopTimeout = new Option<int>("--stop-timeout")
        {
            Description = "Seconds a guest restarted or removed is given to shut down before it is forced off",
            DefaultValueFactory = _ => 60,
            CustomParser = result => OptionParsers.AtLeast(result, 0, "seconds"),
        };
        var command = new Command("apply", "Define, start, restart and remove declarative guests (run by the NixOS host module)")
        {
            manifest, jobs, stopTimeout,
        };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var options = new ApplyOptions { Jobs = parse.GetValue(jobs), StopTimeout = TimeSpan.FromSeconds(parse.GetValue(stopTimeout)) };
            var applied = await context.Host.ApplyAsync(DeclarativeManifest.Load(parse.GetRequiredValue(manifest)), options,
                new Progress(context, options.StopTimeout), cancellationToken);
            return applied.Any(guest => guest.Error is not null) ? CommandAction.Failure : CommandAction.Success;
        });
        return command;
    }

    // One line for each guest as soon as it is done: what was done to it, or, on standard error, what went wrong.
    private sealed class Progress(CliContext context, TimeSpan stopTimeout) : IProgress<AppliedGuest>
    {
        private readonly Lock _gate = new();

        public void Report(AppliedGuest value)
        {
            lock (_gate)
            {
                if (value.Error is { } error)
                {
                    context.Error.WriteLine(CommandAction.ErrorLine(error, value.Name));
                    if (context.Verbose)
                    {
                        context.Error.WriteLine(error);
                    }
                }
                else if (!context.Quiet)
                {
                    context.Out.WriteLine($"'{value.Name}': {Line(value)}");
                }
            }
        }

        private string Line(AppliedGuest guest) => guest.Domain switch
        {
            AppliedDomain.Removed => $"no longer declared: {Stopped(guest.Stop)}removed{(guest.Uri is null ? "" : $" from {guest.Uri}")}",
            _ => (guest.Domain switch
            {
                AppliedDomain.Defined => "defined",
                AppliedDomain.Updated => "updated",
                _ => "up to date",
            }) + $" on {guest.Uri}" + guest.Run switch
            {
                AppliedRun.Started => ", started",
                AppliedRun.Restarted => $", {Stopped(guest.Stop)}restarted on its new generation",
                AppliedRun.Switched => ", switched to its new generation without a restart",
                _ => "",
            },
        };

        private string Stopped(StopOutcome? stop) => stop switch
        {
            StopOutcome.ShutDown => "shut down, ",
            StopOutcome.ForcedOff => $"forced off (it did not shut down within {stopTimeout.TotalSeconds:0} s), ",
            StopOutcome.ForcedOffUnasked => "forced off (it could not be asked to shut down), ",
            _ => "",
        };
    }
}
