using System.CommandLine;
using System.Text.Json;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

internal static class AddressCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The running guest" };
        var wait = new Option<int>("--wait")
        {
            Description = "Wait up to this many seconds for the guest to have an address (it asks for one as it boots)",
            HelpName = "SECONDS",
            DefaultValueFactory = _ => 0,
            CustomParser = result => OptionParsers.AtLeast(result, 0, "seconds"),
        };
        var json = GlobalOptions.Json();
        var command = new Command("address",
            "Print a running guest's addresses, one a line, from its libvirt network's DHCP leases (or the host's ARP table)")
        {
            name, wait, json,
        };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var guest = parse.GetRequiredValue(name);
            var seconds = parse.GetValue(wait);
            var addresses = await context.Host.AddressesAsync(guest, TimeSpan.FromSeconds(seconds), cancellationToken);
            if (addresses.Count == 0)
            {
                throw new GuestStateException(seconds == 0
                    ? $"guest '{guest}' has no address yet; --wait SECONDS waits for one"
                    : $"guest '{guest}' has no address after {seconds} s");
            }
            if (parse.GetValue(json))
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(addresses.Select(address => address.ToString()).ToList(), CliJsonContext.Output.ListString));
                return CommandAction.Success;
            }
            foreach (var address in addresses)
            {
                await context.Out.WriteLineAsync(address.Address.ToString());
            }
            return CommandAction.Success;
        });
        return command;
    }
}
