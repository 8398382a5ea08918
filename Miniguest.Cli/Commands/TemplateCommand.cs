using System.CommandLine;
using System.Reflection;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

internal static class TemplateCommand
{
    private const string ResourcePrefix = "template/";
    private const UnixFileMode DirectoryMode = (UnixFileMode)0b111_101_101; // rwxr-xr-x
    private const UnixFileMode FileMode = (UnixFileMode)0b110_100_100; // rw-r--r--

    // The template's stand-in for the Miniguest its guests are built with, which the command replaces.
    private const string MiniguestInput = "miniguest.url = \"git+file:///path/to/miniguest\";";

    public static Command Create()
    {
        var directory = new Argument<string>("DIR") { Description = "Where to write the flake (created if missing)" };
        var force = new Option<bool>("--force", "-f") { Description = "Overwrite files that exist" };
        var miniguest = new Option<string>("--miniguest")
        {
            Description = "The flake of the Miniguest the guests are built with (default: the one this miniguest was built from)",
            HelpName = "FLAKEREF",
        };
        miniguest.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } given && given.Any(char.IsControl))
            {
                result.AddError($"--miniguest '{TerminalText.Escape(given)}' holds control characters");
            }
        });
        var command = new Command("template", "Write a flake with a VM guest and a container guest to start from") { directory, force, miniguest };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var target = Path.GetFullPath(parse.GetRequiredValue(directory));
            var input = MiniguestFlake(parse.GetValue(miniguest) ?? MiniguestRootCommand.EnvironmentOf(parse)("MINIGUEST_FLAKE"));
            var assembly = typeof(TemplateCommand).Assembly;
            var files = assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)).Order().ToList();
            if (files.Count == 0)
            {
                throw new GuestStateException("this build of miniguest carries no template");
            }
            // DIR is the user's to name; below it, a name may be a link someone planted: each file is written into
            // the directory held open, replacing whatever is at its name, never through it.
            using var destination = DirectoryHandle.OpenOrCreate(target, DirectoryMode);
            var existing = files.Select(f => f[ResourcePrefix.Length..]).FirstOrDefault(f => File.Exists(Path.Combine(target, f))
                || new FileInfo(Path.Combine(target, f)).LinkTarget is not null);
            if (existing is not null && !parse.GetValue(force))
            {
                throw new GuestStateException($"{Path.Combine(target, existing)} exists; use --force to overwrite");
            }
            foreach (var file in files)
            {
                var name = file[ResourcePrefix.Length..];
                await using var resource = assembly.GetManifestResourceStream(file)!;
                using var content = new MemoryStream();
                await resource.CopyToAsync(content, cancellationToken);
                destination.WriteFile(name, name == "flake.nix" ? WithInput(content.ToArray(), input) : content.ToArray(), FileMode);
                await context.ReportAsync($"wrote {Path.Combine(target, name)}");
            }
            return CommandAction.Success;
        });
        return command;
    }

    // The flake reference written, as a Nix string's contents; the Nix package of miniguest sets MINIGUEST_FLAKE to
    // the flake it is built from.
    private static string MiniguestFlake(string? flakeRef) => flakeRef switch
    {
        null or "" => throw new GuestStateException("this miniguest knows no flake it was built from: give the Miniguest the guests are "
            + "built with, --miniguest FLAKEREF (a checkout: --miniguest git+file:///PATH)"),
        _ when flakeRef.Any(char.IsControl) => throw new GuestStateException($"MINIGUEST_FLAKE '{TerminalText.Escape(flakeRef)}' holds control characters"),
        _ => flakeRef.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("${", "\\${", StringComparison.Ordinal),
    };

    // The template's flake.nix with its miniguest input at the flake given.
    private static byte[] WithInput(byte[] flake, string input)
    {
        var text = System.Text.Encoding.UTF8.GetString(flake);
        return text.Contains(MiniguestInput, StringComparison.Ordinal)
            ? System.Text.Encoding.UTF8.GetBytes(text.Replace(MiniguestInput, $"miniguest.url = \"{input}\";", StringComparison.Ordinal))
            : throw new InvalidOperationException("the template's flake.nix has no miniguest input to set");
    }
}
