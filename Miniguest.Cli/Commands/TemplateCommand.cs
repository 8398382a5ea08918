using System.CommandLine;
using System.Reflection;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

internal static class TemplateCommand
{
    private const string ResourcePrefix = "template/";
    private const UnixFileMode DirectoryMode = (UnixFileMode)0b111_101_101; // rwxr-xr-x
    private const UnixFileMode FileMode = (UnixFileMode)0b110_100_100; // rw-r--r--

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
                destination.WriteFile(name, content.ToArray(), FileMode);
                await context.ReportAsync($"wrote {Path.Combine(target, name)}");
            }
            return CommandAction.Success;
        });
        return command;
    }
}
