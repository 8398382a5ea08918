using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Miniguest.Core;
using Miniguest.Libvirt;

namespace Miniguest.Cli.Commands;

/// <summary>What the NixOS host module runs: brings the domains of declarative guests in line with the
/// configuration, and undefines those of guests it no longer declares.</summary>
internal static class ApplyCommand
{
    public static Command Create()
    {
        var manifest = new Option<string>("--manifest") { Description = "The manifest the host module wrote", Required = true };
        var command = new Command("apply", "Define, update and prune the domains of declarative guests (run by the NixOS host module)") { manifest };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var path = parse.GetRequiredValue(manifest);
            DeclarativeManifest declared;
            try
            {
                declared = JsonSerializer.Deserialize(await File.ReadAllBytesAsync(path, cancellationToken), CliJsonContext.Default.DeclarativeManifest)
                    ?? throw new GuestFileException(path, "holds null");
            }
            catch (JsonException e)
            {
                throw new GuestFileException(path, $"not a valid manifest ({e.Message})", e);
            }
            if (declared.Version != 1)
            {
                throw new GuestFileException(path, $"manifest version {declared.Version} is not supported (expected 1)");
            }
            foreach (var (name, settings) in declared.Guests)
            {
                await ApplyGuestAsync(context, context.Store.Get(name), settings, cancellationToken);
            }
            var appliedFile = Path.Combine(context.Paths.State, "declarative-guests.json");
            foreach (var gone in ReadApplied(appliedFile).Except(declared.Guests.Keys))
            {
                Prune(context, gone);
            }
            CrashPoint.Reach(CrashPoint.RecordDeclared);
            using var state = DirectoryHandle.OpenOrCreate(context.Paths.State, GuestStateDirectory.DirectoryMode);
            state.WriteFile(Path.GetFileName(appliedFile), JsonSerializer.Serialize(declared.Guests.Keys.Order().ToList(), CliJsonContext.Default.ListString),
                GuestStateDirectory.FileMode);
            return CommandAction.Success;
        });
        return command;
    }

    private static async Task ApplyGuestAsync(CliContext context, Guest guest, DeclarativeGuest settings, CancellationToken cancellationToken)
    {
        using var connection = Connection.Open(settings.Uri ?? GuestDomains.DefaultUri(guest.LoadConfig().GuestType));
        using var domain = context.Domains.Define(connection, guest, new DomainOptions
        {
            MemoryMiB = settings.Memory,
            VCpus = settings.Vcpus,
            Network = settings.Network ?? DomainOptions.NoNetwork,
        });
        CrashPoint.Reach(CrashPoint.SetAutostart);
        domain.Autostart = settings.Autostart;
        if (settings.RestartIfChanged && context.Domains.Status(domain, guest) == GuestStatus.Outdated)
        {
            context.Logger.LogInformation("Restarting '{Guest}' on its new generation", guest.Name);
            await StopCommand.StopAsync(domain, guest.Name, 60, force: true, cancellationToken);
            GuestDomains.EnsureSafeToStart(domain);
            CrashPoint.Reach(CrashPoint.StartDomain);
            domain.Start();
        }
        await context.Out.WriteLineAsync($"'{guest.Name}': domain up to date on {connection.RequestedUri}");
    }

    private static void Prune(CliContext context, string name)
    {
        var uriFile = context.Paths.ConnectionUriFile(name);
        if (!File.Exists(uriFile))
        {
            return;
        }
        using var connection = Connection.Open(File.ReadAllText(uriFile).Trim());
        using var domain = context.Domains.Find(connection, name);
        if (domain is not null)
        {
            if (domain.IsActive)
            {
                CrashPoint.Reach(CrashPoint.StopDomain);
                domain.Destroy();
            }
            CrashPoint.Reach(CrashPoint.UndefineDomain);
            domain.Undefine();
            context.Logger.LogInformation("Undefined the domain of '{Guest}', no longer declared", name);
        }
        CrashPoint.Reach(CrashPoint.DeleteState);
        new GuestStateDirectory(context.Paths, name).Delete();
    }

    private static IEnumerable<string> ReadApplied(string file) =>
        File.Exists(file) ? JsonSerializer.Deserialize(File.ReadAllText(file), CliJsonContext.Default.ListString) ?? [] : [];
}
