using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Miniguest.Core;

/// <summary>
/// What Miniguest does on another host's files, through <see cref="SshTarget"/>: a guest's profile and its link there,
/// at the target's standard locations (<see cref="MiniguestPaths"/>'s defaults), under the target's per-guest lock (the
/// same file a <c>miniguest</c> run on the target locks). It runs one fixed POSIX script, with the guest's name and store
/// path as arguments: never a command line built from them. What the target needs: Nix (<c>nix-env</c>), util-linux's
/// <c>flock</c> and coreutils. Given a <see cref="SshSession"/>, its commands share one login.
/// </summary>
internal sealed class RemoteTarget(SshTarget target, SshSession? session, ILogger logger)
{
    /// <summary>How long ssh waits for the target to answer.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    private static readonly MiniguestPaths TargetPaths = new();

    // $1: what to do; $2: the profiles' directory; $3: the links' directory; $4: the state directory; then the names
    // (show), or one name and its lock file, and for check and link a store path (none for check) and whether to replace
    // an installed guest. Check changes nothing: it says whether link would refuse. Exit
    // 65: a link there is not Miniguest's; 73: the guest is installed there already; 75: another command holds it.
    private const string Script = """
        set -eu
        op=$1 profiles=$2 guests=$3 state=$4
        shift 4
        if [ "$op" = show ]; then
          for name in "$@"; do
            if [ -L "$profiles/$name" ]; then
              printf '%s\t%s\t%s\n' "$name" "$(readlink "$profiles/$name")" "$(readlink -f "$profiles/$name")"
            fi
          done
          exit 0
        fi
        if [ "$op" = generations ]; then
          profile=$profiles/$1
          [ -L "$profile" ] || exit 0
          printf 'current\t%s\n' "$(readlink "$profile")"
          for generation in "$profile"-*-link; do
            [ -L "$generation" ] && printf '%s\t%s\t%s\n' "${generation##*/}" "$(readlink "$generation")" "$(stat -c %Y "$generation")"
          done
          exit 0
        fi
        name=$1 lock=$2
        profile=$profiles/$name link=$guests/$name
        mkdir -p "${lock%/*}"
        exec 9>>"$lock"
        flock -w 60 9 || { echo "another command holds guest '$name' there" >&2; exit 75; }
        if [ -L "$link" ] || [ -e "$link" ]; then
          if [ "$(readlink "$link")" != "$profile" ]; then
            echo "$link is not a link to $profile: left alone" >&2
            exit 65
          fi
        fi
        if [ "$op" != unlink ] && [ "$4" != force ] && [ -L "$profile" ]; then
          echo "guest '$name' is already installed there (install --force replaces it)" >&2
          exit 73
        fi
        case $op in
          link)
            mkdir -p "$profiles" "$guests" "$state/guests/$name"
            nix-env --profile "$profile" --set "$3" >/dev/null
            ln -sfn "$profile" "$guests/.$name.tmp"
            mv -Tf "$guests/.$name.tmp" "$link"
            readlink "$profile" ;;
          unlink)
            rm -f "$link" "$guests/.$name.tmp" "$profile"
            for generation in "$profile"-*-link; do
              case ${generation#"$profile"-} in
                *[!0-9]*-link|-link) ;;
                *) rm -f "$generation" ;;
              esac
            done
            rm -f "$state/guests/$name/console.log"
            rmdir "$state/guests/$name" 2>/dev/null || true ;;
        esac
        """;

    /// <summary>Makes <paramref name="storePath"/> the next generation of the guest's profile on the target and links the
    /// guest to it there; returns that generation's number. Nix refuses a path the target's store does not hold whole.</summary>
    /// <exception cref="RemoteHostException">The guest is installed there already and <paramref name="force"/> is not
    /// given, its link there is not Miniguest's, or the target cannot be reached.</exception>
    public async Task<int> LinkAsync(string name, string storePath, bool force, CancellationToken cancellationToken)
    {
        var output = await RunAsync(["link", GuestName.Validate(name), TargetPaths.LockFile(name), storePath, force ? "force" : "keep"],
            cancellationToken).ConfigureAwait(false);
        return GenerationNumber(name, output.Trim())
            ?? throw new RemoteHostException(target.Host, $"the profile of '{name}' names no generation: {output.Trim()}");
    }

    /// <summary>Fails as <see cref="LinkAsync"/> would, changing nothing: run before a build and its copy, so that a host
    /// that cannot be reached or would refuse the guest costs neither.</summary>
    public Task CheckAsync(string name, bool force, CancellationToken cancellationToken) =>
        RunAsync(["check", GuestName.Validate(name), TargetPaths.LockFile(name), "", force ? "force" : "keep"], cancellationToken);

    /// <summary>Deletes the guest's link, profile and generations on the target, and its state there.</summary>
    public Task UnlinkAsync(string name, CancellationToken cancellationToken) =>
        RunAsync(["unlink", GuestName.Validate(name), TargetPaths.LockFile(name)], cancellationToken);

    /// <summary>The current generation of each guest named that has a profile on the target.</summary>
    public async Task<IReadOnlyDictionary<string, Generation>> ShowAsync(IReadOnlyCollection<string> names, CancellationToken cancellationToken)
    {
        var output = await RunAsync(["show", .. names.Select(GuestName.Validate)], cancellationToken).ConfigureAwait(false);
        var generations = new Dictionary<string, Generation>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Split('\t') is [var name, var link, var storePath] && names.Contains(name) && GenerationNumber(name, link) is { } number)
            {
                generations[name] = new Generation(number, storePath, default);
            }
        }
        return generations;
    }

    /// <summary>The guest's generations on the target, oldest first, and the current one's number; none where it has no
    /// profile there.</summary>
    public async Task<(IReadOnlyList<Generation> All, int? Current)> GenerationsAsync(string name, CancellationToken cancellationToken)
    {
        var output = await RunAsync(["generations", GuestName.Validate(name)], cancellationToken).ConfigureAwait(false);
        var all = new List<Generation>();
        int? current = null;
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            switch (line.Split('\t'))
            {
                case ["current", var link]:
                    current = GenerationNumber(name, link);
                    break;
                case [var link, var storePath, var seconds] when GenerationNumber(name, link) is { } number
                    && long.TryParse(seconds, NumberStyles.None, CultureInfo.InvariantCulture, out var epoch):
                    all.Add(new Generation(number, storePath, DateTimeOffset.FromUnixTimeSeconds(epoch).UtcDateTime));
                    break;
            }
        }
        return ([.. all.OrderBy(generation => generation.Number)], current);
    }

    // NAME-N-link, the profile link's target, to N.
    private static int? GenerationNumber(string name, string link) =>
        link.StartsWith(name + "-", StringComparison.Ordinal) && link.EndsWith("-link", StringComparison.Ordinal)
        && int.TryParse(link.AsSpan(name.Length + 1, link.Length - name.Length - 6), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? number
            : null;

    private async Task<string> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = target.Command(
            ["sh", "-c", Script, "miniguest", arguments[0], TargetPaths.Profiles, TargetPaths.Guests, TargetPaths.State, .. arguments.Skip(1)],
            ConnectTimeout, session);
        logger.LogDebug("Running on {Host}: {Operation} {Arguments}", target.Host, arguments[0], string.Join(' ', arguments.Skip(1)));
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new RemoteHostException(target.Host, "ssh did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new RemoteHostException(target.Host, "ssh cannot be run: " + e.Message);
        }
        using (process)
        {
            process.StandardInput.Close();
            var error = process.StandardError.ReadToEndAsync(CancellationToken.None);
            try
            {
                var output = await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                var message = (await error.ConfigureAwait(false)).Trim();
                return process.ExitCode switch
                {
                    0 => output,
                    // ssh's own failure: the target was not reached, or refused the login.
                    255 => throw new RemoteHostException(target.Host, "cannot reach it over SSH: " + LastLine(message)),
                    _ => throw new RemoteHostException(target.Host, LastLine(message)),
                };
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
        }
    }

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "(no message)";
}

/// <summary>Something on another host failed, or the host could not be reached.</summary>
public sealed class RemoteHostException(string host, string problem)
    : MiniguestException($"{host}: {problem}")
{
    /// <summary>The host.</summary>
    public string Host { get; } = host;
}
