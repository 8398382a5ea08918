using System.CommandLine;
using System.CommandLine.Parsing;
using Microsoft.Extensions.Logging;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

internal static class CreateCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The installed guest" };
        var memory = new Option<int?>("--memory")
        {
            Description = "Memory in MiB (default 1024 for VMs, 512 for containers)",
            CustomParser = result => OptionParsers.AtLeast(result, 16, "MiB"),
        };
        var vcpus = new Option<int?>("--vcpus") { Description = "Virtual CPUs (default 1)", CustomParser = result => OptionParsers.AtLeast(result, 1, "") };
        var virtType = new Option<string?>("--virt-type") { Description = "kvm or qemu (software emulation); default: kvm where the host offers it" };
        virtType.AcceptOnlyFromAmong("kvm", "qemu");
        var network = new Option<string[]>("--network")
        {
            Description = "A libvirt network to plug an interface into; repeat for more; none for no interface; host for a container "
                + "to share the host's network namespace (its interfaces, ports and loopback services) "
                + $"(default: libvirt's '{DomainOptions.DefaultNetwork}' network where it is active, for a new domain)",
            HelpName = "NAME",
        };
        network.CompletionSources.Add(context => [NoInterface, HostNetwork, .. MiniguestCommand.NetworksOf(context.ParseResult)]);
        var bridge = new Option<string[]>("--bridge") { Description = "A host bridge to plug an interface into (after the networks); repeat for more", HelpName = "BRIDGE" };
        bridge.CompletionSources.Add(context => MiniguestCommand.BridgesOf(context.ParseResult));
        var freePageReporting = new Option<bool>("--free-page-reporting")
        {
            Description = "Give memory the guest frees back to the host (virtio balloon free page reporting; VMs only)",
        };
        var noFreePageReporting = new Option<bool>("--no-free-page-reporting") { Description = "Turn free page reporting off (a new VM has it off)" };
        var share = new Option<string[]>("--share")
        {
            Description = "The host directory of the guest's share TAG (boot.miniguest.shares.TAG), instead of the guest's own; "
                + "a share whose build output names a directory needs one; kept when create runs again (TAG= gives it back its own); repeat for more",
            HelpName = "TAG=PATH",
        };
        var credential = new Option<string[]>("--credential")
        {
            Description = "Give the guest the systemd credential ID (a secret its services read with LoadCredential=ID), copied from "
                + "PATH (- for standard input) into Miniguest's root-only state; kept when create runs again; repeat for more",
            HelpName = "ID=PATH",
        };
        var noCredential = new Option<string[]>("--no-credential") { Description = "Take the credential ID away from the guest; repeat for more", HelpName = "ID" };
        var printXml = new Option<bool>("--print-xml") { Description = "Print the domain XML instead of defining it" };
        var allowWritableStore = new Option<bool>("--allow-writable-store")
        {
            Description = "DANGEROUS: define the domain even where nothing keeps the guest from writing to the host's Nix store",
        };
        var takeOver = new Option<bool>("--take-over")
        {
            Description = "Take over the domain of NAME that the original miniguest's create had you define (virt-install): define the guest's "
                + "domain in its place, keeping its UUID, MAC addresses, memory, vCPUs and autostart (the options given win)",
        };
        var type = new Option<string?>("--type", "-t") { Description = "libvirt or lxc, as the original miniguest took; must match the guest's type" };
        type.AcceptOnlyFromAmong("libvirt", "lxc");
        var command = new Command("create",
            "Define the guest's libvirt domain (a VM or a container, from its guestType); run again, it updates the domain, "
            + "keeping the settings not given (and each interface's MAC address)")
        {
            name, memory, vcpus, virtType, freePageReporting, noFreePageReporting, network, bridge, share, credential, noCredential, printXml,
            allowWritableStore, takeOver, type,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(freePageReporting) && result.GetValue(noFreePageReporting))
            {
                result.AddError("give --free-page-reporting or --no-free-page-reporting, not both");
            }
            if (Attachments(Given(result, network), Given(result, bridge)).Problem is { } attachments)
            {
                result.AddError(attachments);
            }
            if (ShareSources(Given(result, share)).Problem is { } shares)
            {
                result.AddError(shares);
            }
            if (CredentialSources(Given(result, credential), Given(result, noCredential)).Problem is { } credentials)
            {
                result.AddError(credentials);
            }
        });
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var guest = parse.GetRequiredValue(name);
            var (interfaces, hostNetwork, _) = Attachments(parse.GetValue(network) ?? [], parse.GetValue(bridge) ?? []);
            var options = new DomainOptions
            {
                MemoryMiB = parse.GetValue(memory),
                VCpus = parse.GetValue(vcpus),
                VirtType = parse.GetValue(virtType) switch { "kvm" => VirtType.Kvm, "qemu" => VirtType.Qemu, _ => null },
                FreePageReporting = parse.GetValue(freePageReporting) ? true : parse.GetValue(noFreePageReporting) ? false : null,
                Interfaces = interfaces,
                HostNetwork = hostNetwork,
                AllowWritableStore = parse.GetValue(allowWritableStore) ? true : null,
                ShareSources = ShareSources(parse.GetValue(share) ?? []).Sources,
                Credentials = await ReadCredentialsAsync(CredentialSources(parse.GetValue(credential) ?? [], parse.GetValue(noCredential) ?? []).Sources,
                    cancellationToken),
                TakeOver = parse.GetValue(takeOver),
                ExpectedType = parse.GetValue(type) switch { "lxc" => GuestType.Lxc, "libvirt" => GuestType.Qemu, _ => null },
            };
            if (parse.GetValue(printXml))
            {
                var definition = await context.Host.BuildDefinitionAsync(guest, options, cancellationToken);
                LogProtection(context, definition.Protection);
                await context.Out.WriteLineAsync(definition.Xml);
                return CommandAction.Success;
            }
            var defined = await context.Host.DefineAsync(guest, options, cancellationToken);
            LogProtection(context, defined.Definition.Protection);
            await context.ReportAsync($"defined '{guest}' on {defined.Uri}");
            if (defined.CredentialsChangedWhileRunning)
            {
                context.Logger.LogWarning("'{Guest}' runs with the credentials it started with: the new ones reach it at its next start (miniguest restart {Guest})",
                    guest, guest);
            }
            if (defined.ChangedWhileRunning)
            {
                context.Logger.LogWarning("'{Guest}' runs on its previous definition: the new one applies from its next start (miniguest restart {Guest})",
                    guest, guest);
            }
            foreach (var network in defined.InactiveNetworks)
            {
                context.Logger.LogWarning("libvirt network '{Network}' is not active: '{Guest}' starts once it is (virsh net-start {Network}; "
                    + "virsh net-autostart {Network} starts it with the host)", TerminalText.Escape(network), guest, TerminalText.Escape(network),
                    TerminalText.Escape(network));
            }
            if (defined.Definition.TakenOver is { } takenOver)
            {
                await ReportTakenOverAsync(context, guest, takenOver);
            }
            await context.ReportAsync(defined.Definition.HostNetwork
                ? "  the host's network namespace: its interfaces, ports and loopback services are the guest's too"
                : defined.Definition.Interfaces.Count == 0
                ? "  no network interface (--network NAME or --bridge BRIDGE adds one)"
                // A domain taken over brings the names of its networks and bridges: printed with their control characters escaped.
                : string.Join(Environment.NewLine,
                    defined.Definition.Interfaces.Select(nic => TerminalText.Escape($"  interface {nic.MacAddress} on {nic.Attachment}"))));
            if (defined.Definition.FreePageReporting)
            {
                await context.ReportAsync("  free page reporting: memory the guest frees goes back to the host");
            }
            // The host directories the guest gets, each the admin's or the guest's own.
            var guestName = GuestName.Parse(guest);
            foreach (var guestShare in defined.Definition.Config.Shares)
            {
                var given = defined.Definition.GivenShareSources.FirstOrDefault(source => source.Tag == guestShare.Tag)?.Directory;
                await context.ReportAsync($"  share '{guestShare.Tag}' at {guestShare.MountPoint}{(guestShare.ReadOnly ? " (read-only)" : "")}: "
                    + (given ?? defined.HostPaths.ShareDirectory(guestName, guestShare.Tag) + " (its own)"));
            }
            foreach (var volume in defined.Definition.Config.Volumes)
            {
                await context.ReportAsync($"  volume '{volume.Name}' at {volume.MountPoint}: " + (defined.Definition.Config.GuestType == GuestType.Lxc
                    ? defined.HostPaths.VolumeDirectory(guestName, volume.Name)
                    : $"{defined.HostPaths.VolumeImage(guestName, volume.Name)} ({volume.SizeMiB} MiB, sparse)"));
            }
            return CommandAction.Success;
        });
        return command;
    }

    // The words given to a repeatable option, as typed: a validator may not ask for its value, which throws where one of
    // them lacks its word (--network at the end of the line), an error of its own.
    private static string[] Given(CommandResult result, Option<string[]> option) =>
        result.GetResult(option)?.Tokens.Select(token => token.Value).ToArray() ?? [];

    // Nothing given keeps the domain's interfaces; "--network none" alone asks for none, "--network host" alone for the
    // host's network namespace (a container's), any other for a namespace of the guest's own. A usage error otherwise.
    private static (IReadOnlyList<NetworkAttachment>? Interfaces, bool? HostNetwork, string? Problem) Attachments(string[] networks, string[] bridges)
    {
        if (networks.Length == 0 && bridges.Length == 0)
        {
            return (null, null, null);
        }
        foreach (var alone in new[] { NoInterface, HostNetwork })
        {
            if (networks.Contains(alone))
            {
                return networks.Length == 1 && bridges.Length == 0
                    ? ([], alone == HostNetwork, null)
                    : (null, null, $"--network {alone} cannot be given with other networks or bridges");
            }
        }
        return ([.. networks.Select(n => new NetworkAttachment(AttachmentType.Network, n)), .. bridges.Select(b => new NetworkAttachment(AttachmentType.Bridge, b))],
            false, null);
    }

    private const string NoInterface = "none";
    private const string HostNetwork = DeclarativeGuest.HostNetworkName;

    // TAG=PATH, each tag once; nothing given keeps the directories the domain records. A usage error otherwise.
    private static (Dictionary<string, string?>? Sources, string? Problem) ShareSources(string[] shares)
    {
        if (shares.Length == 0)
        {
            return (null, null);
        }
        var sources = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var share in shares)
        {
            var equals = share.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                return (null, $"--share takes TAG=PATH (or TAG= for the guest's own directory), not '{share}'");
            }
            // TAG= takes the admin's directory back: the guest's own serves again.
            if (!sources.TryAdd(share[..equals], equals == share.Length - 1 ? null : share[(equals + 1)..]))
            {
                return (null, $"--share gives share '{share[..equals]}' twice");
            }
        }
        return (sources, null);
    }

    // ID=PATH to give and ID to take away, each ID once, checked as Core checks it. A usage error otherwise.
    private static (Dictionary<string, string?>? Sources, string? Problem) CredentialSources(string[] given, string[] takenAway)
    {
        if (given.Length == 0 && takenAway.Length == 0)
        {
            return (null, null);
        }
        var sources = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (id, path) in given.Select(pair => pair.IndexOf('=', StringComparison.Ordinal) is var equals and > 0 && equals < pair.Length - 1
                     ? (pair[..equals], pair[(equals + 1)..])
                     : (pair, (string?)null))
                 .Concat(takenAway.Select(id => (id, (string?)null))))
        {
            if (path is null && !takenAway.Contains(id))
            {
                return (null, $"--credential takes ID=PATH (PATH - for standard input), not '{id}'");
            }
            try
            {
                GuestCredentials.RequireId(id);
            }
            catch (FormatException e)
            {
                return (null, e.Message);
            }
            if (!sources.TryAdd(id, path))
            {
                return (null, $"credential '{id}' is given twice");
            }
        }
        return (sources, null);
    }

    // Each credential's content, read now (standard input for -), at most systemd's limit; a null takes one away.
    private static async Task<Dictionary<string, byte[]?>?> ReadCredentialsAsync(Dictionary<string, string?>? sources, CancellationToken cancellationToken)
    {
        if (sources is null)
        {
            return null;
        }
        var credentials = new Dictionary<string, byte[]?>(StringComparer.Ordinal);
        foreach (var (id, path) in sources)
        {
            if (path is null)
            {
                credentials[id] = null;
                continue;
            }
            credentials[id] = path == "-"
                ? await GuestCredentials.ReadAsync(StandardStreams.OpenInput(), $"credential '{id}' (standard input)", cancellationToken)
                : await GuestCredentials.ReadFileAsync(path, $"credential '{id}'", cancellationToken);
        }
        return credentials;
    }

    // What the guest's domain kept of the original miniguest's domain it took over, and what it did not.
    private static async Task ReportTakenOverAsync(CliContext context, string guest, TakenOverDomain takenOver)
    {
        string[] kept =
        [
            $"UUID {takenOver.Uuid:D}",
            .. takenOver.MemoryMiB is { } memory ? [$"{memory} MiB of memory"] : Array.Empty<string>(),
            .. takenOver.VCpus is { } vcpus ? [$"{vcpus} vCPU{(vcpus == 1 ? "" : "s")}"] : Array.Empty<string>(),
            $"autostart {(takenOver.Autostart ? "on" : "off")}",
            .. takenOver.Interfaces.Select(nic => $"MAC {nic.MacAddress} on {nic.Attachment}"),
        ];
        await context.ReportAsync(TerminalText.Escape($"  took over the original miniguest's domain, keeping its {string.Join(", ", kept)}"));
        if (takenOver.DroppedInterfaces.Count > 0)
        {
            await context.ReportAsync(TerminalText.Escape($"  not kept: its interfaces of type "
                + $"{string.Join(", ", takenOver.DroppedInterfaces.Select(type => $"'{type}'"))} (--network NAME or --bridge BRIDGE adds one)"));
        }
        if (takenOver.Running)
        {
            await context.ReportAsync($"  it runs on its old definition: the new one takes effect at its next start (miniguest restart {guest})");
        }
    }

    private static void LogProtection(CliContext context, StoreProtection protection) =>
        context.Logger.LogInformation("store protection: {Description}", protection.Describe());
}
