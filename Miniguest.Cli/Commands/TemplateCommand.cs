using System.CommandLine;
using System.Reflection;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

internal static class TemplateCommand
{
    private const string ResourcePrefix = "template/";

    public static Command Create()
    {
        var directory = new Argument<string>("DIR") { Description = "Where to write the flake (created if missing)" };
        var force = new Option<bool>("--force", "-f") { Description = "Overwrite files that exist" };
        var command = new Command("template", "Write a flake with a VM guest and a container guest to start from") { directory, force };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var target = Path.GetFullPath(parse.GetRequiredValue(directory));
            var assembly = typeof(TemplateCommand).Assembly;
            var files = assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)).Order().ToList();
            if (files.Count == 0)
            {
                throw new GuestStateException("this build of miniguest carries no template");
            }
            var existing = files.Select(f => Path.Combine(target, f[ResourcePrefix.Length..])).Where(File.Exists).ToList();
            if (existing.Count > 0 && !parse.GetValue(force))
            {
                throw new GuestStateException($"{existing[0]} exists; use --force to overwrite");
            }
            foreach (var file in files)
            {
                var path = Path.Combine(target, file[ResourcePrefix.Length..]);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await using var resource = assembly.GetManifestResourceStream(file)!;
                await using var output = File.Create(path);
                await resource.CopyToAsync(output, cancellationToken);
                await context.Out.WriteLineAsync($"wrote {path}");
            }
            return CommandAction.Success;
        });
        return command;
    }
}
