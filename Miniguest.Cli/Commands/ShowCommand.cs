using System.CommandLine;
using System.Text.Json;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

/// <summary><c>miniguest show NAME</c>: all that is known of one guest, one fact a line.</summary>
internal static class ShowCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The guest" };
        var json = GlobalOptions.Json();
        var command = new Command("show",
            "Show all that is known of a guest: its generations, domain, memory, vCPUs, interfaces and addresses, shares, store protection and log")
        {
            name, json,
        };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var details = await context.Host.ShowAsync(parse.GetRequiredValue(name), cancellationToken);
            var guest = ListCommand.Row(details.Guest);
            var generations = details.Generations.Select(generation => GenerationJson.Of(generation, guest.Generation, guest.RunningGeneration)).ToList();
            if (parse.GetValue(json))
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(new GuestDetailsJson(guest, generations, details.Credentials), CliJsonContext.Output.GuestDetailsJson));
                return CommandAction.Success;
            }
            var facts = Facts(guest, generations).ToList();
            if (details.Credentials.Count > 0)
            {
                facts.Add(new("credentials", string.Join(", ", details.Credentials)));
            }
            var width = facts.Max(fact => fact.Key.Length) + 1;
            foreach (var (key, value) in facts)
            {
                await context.Out.WriteLineAsync($"{(key + ":").PadRight(width)} {value}");
            }
            return CommandAction.Success;
        });
        return command;
    }

    // What is known, in the order an admin asks: what it is, where it stands, what it runs on, what it reaches.
    private static IEnumerable<KeyValuePair<string, string>> Facts(GuestJson guest, IReadOnlyList<GenerationJson> generations)
    {
        KeyValuePair<string, string> Fact(string key, string value) => new(key, value);
        yield return Fact("name", guest.Name);
        if (guest.Host is { } host)
        {
            yield return Fact("host", host);
        }
        yield return Fact("type", guest.GuestType ?? "?");
        yield return Fact("status", guest.Status + (guest.Status == "outdated" ? $" (runs generation {guest.RunningGeneration}; generation {guest.Generation} from its next start)" : ""));
        if (guest.Error is { } problem)
        {
            yield return Fact("problem", TerminalText.Escape(problem));
        }
        yield return Fact("source", ListCommand.Source(guest) is { Length: > 0 } source ? source : "-");
        if (generations.Count > 0)
        {
            yield return Fact("generations", string.Join(", ", generations.Select(generation =>
                generation.Generation + (generation.Current ? " (current)" : "") + (generation.Running ? " (running)" : ""))));
        }
        if (guest.StorePath is { } storePath)
        {
            yield return Fact("store path", storePath);
        }
        if (guest.Uri is { } uri)
        {
            yield return Fact("domain", $"{uri}, {guest.DomainState ?? "not defined"}"
                + (guest.Autostart is { } autostart ? $", {(autostart ? "starts" : "does not start")} with the host" : ""));
        }
        if (guest.MemoryMiB is { } memory)
        {
            yield return Fact("memory", $"{memory} MiB");
        }
        if (guest.VCpus is { } vcpus)
        {
            yield return Fact("vcpus", vcpus.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        if (guest.HostNetwork == true)
        {
            yield return Fact("network", "the host's (its interfaces, ports and loopback services are the guest's too)");
        }
        foreach (var nic in guest.Interfaces)
        {
            yield return Fact("interface", TerminalText.Escape($"{nic.Mac} on " + (nic.Network is { } network ? $"network {network}" : $"bridge {nic.Bridge}")));
        }
        foreach (var address in guest.Addresses)
        {
            yield return Fact("address", address);
        }
        foreach (var share in guest.Shares)
        {
            yield return Fact("share", TerminalText.Escape($"{share.Tag} at {share.MountPoint}{(share.ReadOnly ? " (read-only)" : "")}: {share.Source}"));
        }
        foreach (var volume in guest.Volumes)
        {
            yield return Fact("volume", $"{volume.Name} at {volume.MountPoint} ({volume.FsType}, {volume.SizeMiB} MiB): {volume.File}"
                + (volume.AllocatedBytes is { } allocated ? $", {allocated / 1024 / 1024} MiB used" : ""));
        }
        if (guest.FreePageReporting is { } reporting)
        {
            yield return Fact("free pages", reporting ? "given back to the host (free page reporting)" : "kept (no free page reporting)");
        }
        if (guest.StoreProtection is { } protection)
        {
            yield return Fact("store", protection);
        }
        if (guest.ConsoleLog is { } log)
        {
            yield return Fact("console log", $"{log} (miniguest logs {guest.Name})");
        }
    }
}
