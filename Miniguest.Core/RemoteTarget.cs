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
    // (show), or a derivation to build (realise), or a store path whose closure to list (closure), or one name and the paths to resolve (describe), or one name and its
    // lock file, and for check and link a store path (none for check) and whether to replace an installed guest, for
    // prepare what the domain needs, for rollback a generation, for unlink whether to purge (below).
    // Check changes nothing: it says whether link would refuse. Describe prints every path base64-encoded: a build
    // output's links may lead to any name. Exit 65: a link there is not Miniguest's; 66: the guest is not installed
    // there; 73: the guest is installed there already; 75: another command holds it.
    internal const string Script = """
        set -eu
        umask 022
        op=$1 profiles=$2 guests=$3 state=$4
        shift 4
        b64() { printf '%s' "$1" | base64 -w0; }
        kind() { if [ -d "$1" ]; then echo d; else echo f; fi; }
        # hold FD FILE WHAT: an exclusive lock of FILE on descriptor FD. A miniguest command there deletes a lock file as
        # it lets go of it: the lock held is the one of the file the path still names.
        hold() {
          tries=0
          while :; do
            eval "exec $1>>\"\$2\""
            flock -w 60 "$1" || { echo "another command holds $3 there" >&2; exit 75; }
            [ "$(eval "stat -c %d:%i - <&$1")" = "$(stat -c %d:%i "$2" 2>/dev/null)" ] && return 0
            tries=$((tries + 1))
            [ "$tries" -lt 100 ] || { echo "cannot keep hold of the lock file $2 there" >&2; exit 75; }
          done
        }
        # let_go FD FILE: lets go of the lock hold took on FD, deleting FILE first, while it still holds it, if the path
        # still names the file held: no lock file outlives its lock, there as here.
        let_go() {
          if [ "$(eval "stat -c %d:%i - <&$1")" = "$(stat -c %d:%i "$2" 2>/dev/null)" ]; then
            rm -f "$2"
          fi
          eval "exec $1>&-"
        }
        if [ "$op" = realise ]; then
          exec nix-store --realise "$1"
        fi
        if [ "$op" = closure ]; then
          exec nix-store --query --requisites "$1"
        fi
        if [ "$op" = describe ]; then
          name=$1
          shift
          if [ -L "$profiles/$name" ]; then
            top=$(readlink -f "$profiles/$name")
            printf 'generation\t%s\n' "$(readlink "$profiles/$name")"
            printf 'top\t%s\n' "$(b64 "$top")"
            for file in miniguest-config.json boot boot/init kernel initrd kernel-params; do
              real=$(readlink -f "$top/$file") && [ -e "$real" ] || continue
              printf 'file\t%s\t%s\t%s\n' "$file" "$(kind "$real")" "$(b64 "$real")"
              case $file:$real in
                miniguest-config.json:/nix/store/?*|kernel-params:/nix/store/?*)
                  [ -f "$real" ] && printf 'content\t%s\t%s\n' "$file" "$(base64 -w0 < "$real")" ;;
              esac
            done
          fi
          index=0
          for path in "$@"; do
            if real=$(readlink -f "$path") && [ -e "$real" ]; then
              printf 'path\t%s\t%s\t%s\n' "$index" "$(kind "$real")" "$(b64 "$real")"
            fi
            index=$((index + 1))
          done
          for range in "$state"/guests/*/id-range; do
            [ -f "$range" ] || continue
            owner=${range%/id-range}
            printf 'idrange\t%s\t%s\n' "${owner##*/}" "$(cat "$range")"
          done
          if [ -e /proc/self/ns/user ]; then
            printf 'userns\t%s\n' "$(cat /proc/sys/user/max_user_namespaces)"
          fi
          for daemon in libvirtd virtqemud; do
            pid=$(cat "/run/$daemon.pid" 2>/dev/null) || continue
            if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$daemon" ]; then
              printf 'mounts\t%s\t%s\n' "$(b64 "$daemon (pid $pid)")" "$(base64 -w0 < "/proc/$pid/mountinfo")"
              break
            fi
          done
          exit 0
        fi
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
        hold 9 "$lock" "guest '$name'"
        trap 'let_go 9 "$lock"' EXIT
        if [ -L "$link" ] || [ -e "$link" ]; then
          if [ "$(readlink "$link")" != "$profile" ]; then
            echo "$link is not a link to $profile: left alone" >&2
            exit 65
          fi
        fi
        if [ "$op" = check ] || [ "$op" = link ]; then
          if [ "$4" != force ] && [ -L "$profile" ]; then
            echo "guest '$name' is already installed there (install --force replaces it)" >&2
            exit 73
          fi
        fi
        case $op in
          prepare)
            # $3: qemu or lxc; $4: the domain's UUID; $5: its URI there; $6, $7: the uid and gid of the guest's root on
            # the host (empty: host root), the first of a container's id range, which is recorded unless another guest's
            # record holds it (exit 74: chosen from a description another command has changed since); then the tags of
            # the shares to make. Only root writes in the state directory and in the shares' top; in a container's
            # root, which its guest writes in, only the guest's own root acts. The root sits in a directory of its own
            # that only the guest's root can pass (0700), where a root from before such directories is moved.
            [ -L "$profile" ] || { echo "guest '$name' is not installed there" >&2; exit 66; }
            kind=$3 uuid=$4 uri=$5 uid=${6:-0} gid=${7:-0}
            shift 7
            dir=$state/guests/$name
            mkdir -p "$dir"
            if [ "$kind" = lxc ] && [ "$uid" != 0 ]; then
              ids=${lock%/*}/.container-ids.lock
              hold 8 "$ids" "the container id ranges"
              trap 'let_go 8 "$ids"; let_go 9 "$lock"' EXIT
              for range in "$state"/guests/*/id-range; do
                if [ -f "$range" ] && [ "$(cat "$range")" = "$uid" ] && [ "$range" != "$dir/id-range" ]; then
                  echo "id range $uid is ${range%/id-range}'s there since this command looked: run it again" >&2
                  exit 74
                fi
              done
              if [ -f "$dir/id-range" ] && [ "$(cat "$dir/id-range")" != "$uid" ]; then
                echo "guest '$name' has id range $(cat "$dir/id-range") there since this command looked: run it again" >&2
                exit 74
              fi
              printf '%s\n' "$uid" > "$dir/.id-range.tmp"
              mv -f "$dir/.id-range.tmp" "$dir/id-range"
              let_go 8 "$ids"
              trap 'let_go 9 "$lock"' EXIT
            fi
            if [ "$kind" = lxc ]; then
              [ -d "$dir/container" ] || mkdir -m 700 "$dir/container"
              chown -h "$uid:$gid" "$dir/container"
              chmod 700 "$dir/container"
              if [ ! -e "$dir/container/root" ] && [ -d "$dir/root" ] && [ ! -L "$dir/root" ]; then
                mv -T "$dir/root" "$dir/container/root"
              fi
              [ -d "$dir/container/root" ] || mkdir -m 755 "$dir/container/root"
              if [ "$uid" != 0 ]; then
                chown -h "$uid:$gid" "$dir/container/root"
                (cd / && setpriv --reuid="$uid" --regid="$gid" --clear-groups mkdir -p "$dir/container/root/sys/fs/cgroup")
              fi
            fi
            if [ $# -gt 0 ]; then
              mkdir -p "$state/shares"
              chmod 711 "$state/shares"
              [ -d "$state/shares/$name" ] || mkdir -m 700 "$state/shares/$name"
              chown -h "$uid:$gid" "$state/shares/$name"
              for tag in "$@"; do
                [ -d "$state/shares/$name/$tag" ] || mkdir -m 755 "$state/shares/$name/$tag"
                chown -h "$uid:$gid" "$state/shares/$name/$tag"
              done
            fi
            printf '%s\n' "$uri" > "$dir/.connection-uri.tmp"
            mv -f "$dir/.connection-uri.tmp" "$dir/connection-uri"
            printf '%s\n' "$uuid" > "$dir/.domain-uuid.tmp"
            mv -f "$dir/.domain-uuid.tmp" "$dir/domain-uuid" ;;
          rollback)
            # $3: the generation to go to; empty: the one before the current.
            [ -L "$profile" ] || { echo "guest '$name' is not installed there" >&2; exit 66; }
            current=$(readlink "$profile")
            current=${current#"$name"-}
            current=${current%-link}
            to=$3
            if [ -z "$to" ]; then
              for generation in "$profile"-*-link; do
                number=${generation#"$profile"-}
                number=${number%-link}
                case $number in ''|*[!0-9]*) continue ;; esac
                if [ "$number" -lt "$current" ] && { [ -z "$to" ] || [ "$number" -gt "$to" ]; }; then to=$number; fi
              done
              [ -n "$to" ] || { echo "guest '$name' has no generation before $current there" >&2; exit 66; }
            fi
            [ -L "$profile-$to-link" ] || { echo "guest '$name' has no generation $to there" >&2; exit 66; }
            ln -sfn "$name-$to-link" "$profiles/.$name.tmp"
            mv -Tf "$profiles/.$name.tmp" "$profile"
            printf '%s\t%s\t%s\n' "$name-$to-link" "$(readlink -f "$profile")" "$(stat -c %Y "$profile-$to-link")" ;;
          link)
            mkdir -p "$profiles" "$guests" "$state/guests/$name"
            nix-env --profile "$profile" --set "$3" >/dev/null
            ln -sfn "$profile" "$guests/.$name.tmp"
            mv -Tf "$guests/.$name.tmp" "$link"
            readlink "$profile" ;;
          root)
            # $3: defined or booted, the garbage-collector root of the generation the guest's domain is defined on or runs
            # there (GuestRoots); $4: that generation's store path (never a derivation, which realising would build), or
            # empty to drop the root. Nix refuses a path its store does not hold.
            roots=$state/guests/$name/gcroots
            case $3 in defined|booted) ;; *) echo "no root '$3'" >&2; exit 64 ;; esac
            if [ -n "$4" ]; then
              case $4 in /nix/store/?*.drv|/nix/store/*/*) echo "$4 is not a generation to root" >&2; exit 64 ;; /nix/store/?*) ;;
                *) echo "$4 is not a path of the store" >&2; exit 64 ;; esac
              mkdir -p "$roots"
              nix-store --realise "$4" --add-root "$roots/$3" --indirect >/dev/null
            else
              rm -f "$roots/$3"
            fi ;;
          unlink)
            # $3: purge, to delete the guest's data there too (a container's root, its shares' directories: rm follows no
            # link in them), or keep, to say where it stays; $4: kept-domain when the guest's domain there is kept, whose
            # generation then stays rooted until a purge.
            rm -f "$link" "$guests/.$name.tmp" "$profiles/.$name.tmp" "$profile"
            rm -f "$state/guests/$name/gcroots/booted"
            if [ "$3" = purge ] || [ "${4:-}" != kept-domain ]; then
              rm -f "$state/guests/$name/gcroots/defined"
            fi
            rmdir "$state/guests/$name/gcroots" 2>/dev/null || true
            for generation in "$profile"-*-link; do
              case ${generation#"$profile"-} in
                *[!0-9]*-link|-link) ;;
                *) rm -f "$generation" ;;
              esac
            done
            # A container's id range stays as long as its root, whose files are of that range.
            rm -f "$state/guests/$name/console.log" "$state/guests/$name/connection-uri" "$state/guests/$name/domain-uuid"
            for data in "$state/guests/$name/container" "$state/guests/$name/root" "$state/shares/$name"; do
              if [ "$3" = purge ]; then
                rm -rf --one-file-system -- "$data"
              elif [ -d "$data" ]; then
                case $data in */container) data=$data/root ;; esac
                printf 'kept\t%s\n' "$data"
              fi
            done
            [ -e "$state/guests/$name/container" ] || [ -e "$state/guests/$name/root" ] || rm -f "$state/guests/$name/id-range"
            rmdir "$state/guests/$name" 2>/dev/null || true ;;
        esac
        """;

    /// <summary>Makes <paramref name="storePath"/> the next generation of the guest's profile on the target and links the
    /// guest to it there; returns that generation's number. Nix refuses a path the target's store does not hold whole.</summary>
    /// <exception cref="RemoteHostException">The guest is installed there already and <paramref name="force"/> is not
    /// given, its link there is not Miniguest's, or the target cannot be reached.</exception>
    public async Task<int> LinkAsync(GuestName name, string storePath, bool force, CancellationToken cancellationToken)
    {
        var output = await RunAsync(["link", name.Value, TargetPaths.LockFile(name), storePath, force ? "force" : "keep"],
            cancellationToken).ConfigureAwait(false);
        return GenerationNumber(name, output.Trim())
            ?? throw new RemoteHostException(target.Host, $"the profile of '{name}' names no generation: {output.Trim()}");
    }

    /// <summary>Fails as <see cref="LinkAsync"/> would, changing nothing: run before a build and its copy, so that a host
    /// that cannot be reached or would refuse the guest costs neither.</summary>
    public Task CheckAsync(GuestName name, bool force, CancellationToken cancellationToken) =>
        RunAsync(["check", name.Value, TargetPaths.LockFile(name), "", force ? "force" : "keep"], cancellationToken);

    /// <summary>What the target says of the guest (its current generation and system) and of itself (its libvirtd's
    /// mounts, user namespaces), and where each of <paramref name="paths"/> really is there.</summary>
    /// <exception cref="GuestFileException">A file of the guest's build output there is corrupt or leads out of the store.</exception>
    public async Task<TargetFacts> DescribeAsync(GuestName name, IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        var output = await RunAsync(["describe", name.Value, .. paths], cancellationToken).ConfigureAwait(false);
        return TargetFacts.Parse(name, target.Host, output, paths.Count);
    }

    /// <summary>Makes ready on the target what the guest's domain needs before it is defined there: a container's root
    /// (given to the guest's root, <paramref name="ids"/>' mapped one where it has a user namespace), the directories of
    /// the shares tagged <paramref name="ownShares"/>, and the target's own record of the domain, so that a
    /// <c>miniguest</c> run there knows the domain as the guest's.</summary>
    public Task PrepareAsync(GuestName name, GuestType type, Guid uuid, string uriThere, UserNamespaceMapping? ids, IEnumerable<string> ownShares,
        CancellationToken cancellationToken) =>
        RunAsync(["prepare", name.Value, TargetPaths.LockFile(name), type == GuestType.Lxc ? "lxc" : "qemu", uuid.ToString("D"), uriThere,
            ids?.UidTarget.ToString(CultureInfo.InvariantCulture) ?? "", ids?.GidTarget.ToString(CultureInfo.InvariantCulture) ?? "", .. ownShares],
            cancellationToken);

    /// <summary>Builds <paramref name="derivation"/>, whose closure the target's store holds, there (or substitutes it
    /// from the target's caches); returns its output's store path.</summary>
    /// <exception cref="RemoteHostException">The build failed there: its last line.</exception>
    public async Task<string> RealiseAsync(string derivation, CancellationToken cancellationToken)
    {
        if (!derivation.StartsWith(NixStore.DefaultDirectory + "/", StringComparison.Ordinal) || !derivation.EndsWith(".drv", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{derivation}' is not a derivation in the store", nameof(derivation));
        }
        var output = (await RunAsync(["realise", derivation], cancellationToken).ConfigureAwait(false)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return output is [var storePath] && NixStore.IsStorePath(storePath)
            ? storePath
            : throw new RemoteHostException(target.Host, $"building {derivation} there gave no single output: {string.Join(' ', output)}");
    }

    /// <summary>The closure of <paramref name="storePath"/> in the target's store, as the target tells it: the path and
    /// every path it refers to, directly or not.</summary>
    /// <exception cref="RemoteHostException">The target's store does not hold the path, or its answer names something
    /// that is not a store path.</exception>
    public async Task<IReadOnlyList<string>> ClosureAsync(string storePath, CancellationToken cancellationToken)
    {
        if (!NixStore.IsStorePath(storePath))
        {
            throw new ArgumentException($"'{storePath}' is not a store path", nameof(storePath));
        }
        var closure = (await RunAsync(["closure", storePath], cancellationToken).ConfigureAwait(false)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return closure.FirstOrDefault(path => !NixStore.IsStorePath(path)) is { } odd
            ? throw new RemoteHostException(target.Host, $"the closure of {storePath} there names '{odd}', which is not a store path")
            : closure;
    }

    /// <summary>Points the guest's profile on the target at generation <paramref name="to"/>, or at the one before the
    /// current; returns that generation.</summary>
    /// <exception cref="RemoteHostException">It has no such generation there.</exception>
    public async Task<Generation> RollbackAsync(GuestName name, int? to, CancellationToken cancellationToken)
    {
        var output = await RunAsync(["rollback", name.Value, TargetPaths.LockFile(name), to?.ToString(CultureInfo.InvariantCulture) ?? ""],
            cancellationToken).ConfigureAwait(false);
        return ParseGeneration(name, output.Trim())
            ?? throw new RemoteHostException(target.Host, $"the profile of '{name}' names no generation: {output.Trim()}");
    }

    /// <summary>Deletes the guest's link, profile and generations on the target, and its state there; its data there (a
    /// container's root, its shares' directories) too with <paramref name="purge"/>, else returns where that stays. A
    /// domain kept there (<paramref name="keptDomain"/>) keeps the generation it is defined on rooted, unless purged.</summary>
    public async Task<IReadOnlyList<string>> UnlinkAsync(GuestName name, bool purge, CancellationToken cancellationToken, bool keptDomain = false)
    {
        var output = await RunAsync(["unlink", name.Value, TargetPaths.LockFile(name), purge ? "purge" : "keep", keptDomain ? "kept-domain" : ""],
            cancellationToken).ConfigureAwait(false);
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('\t')).Where(line => line is ["kept", _])
            .Select(line => TerminalText.Escape(line[1]))];
    }

    /// <summary>Makes <paramref name="root"/> (<see cref="GuestRoots.Defined"/> or <see cref="GuestRoots.Booted"/>) of the
    /// guest on the target root <paramref name="storePath"/>, the <c>store-path</c> of its domain's metadata there, as
    /// <see cref="GuestRoots"/> does here; drops it for <see langword="null"/>, or for a domain that names something else
    /// than a generation (its metadata is the other host's to write).</summary>
    /// <exception cref="RemoteHostException">The target's Nix could not make the root (its store lacks the path).</exception>
    public async Task RootAsync(GuestName name, string root, string? storePath, CancellationToken cancellationToken)
    {
        if (storePath is not null && !NixStore.IsRootable(storePath))
        {
            logger.LogWarning("the domain of '{Guest}' on {Host} names {Path} as its generation, which is not a path of the store: nothing to root",
                name.Value, target.Host, TerminalText.Escape(storePath));
            storePath = null;
        }
        await RunAsync(["root", name.Value, TargetPaths.LockFile(name), root, storePath ?? ""], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The current generation of each guest named that has a profile on the target.</summary>
    public async Task<IReadOnlyDictionary<GuestName, Generation>> ShowAsync(IReadOnlyCollection<GuestName> names, CancellationToken cancellationToken)
    {
        var output = await RunAsync(["show", .. names.Select(name => name.Value)], cancellationToken).ConfigureAwait(false);
        var generations = new Dictionary<GuestName, Generation>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Split('\t') is [var shown, var link, var storePath] && GuestName.TryParse(shown, out var name) && names.Contains(name)
                && GenerationNumber(name, link) is { } number)
            {
                generations[name] = new Generation(number, TerminalText.Escape(storePath), default);
            }
        }
        return generations;
    }

    /// <summary>The guest's generations on the target, oldest first, and the current one's number; none where it has no
    /// profile there.</summary>
    public async Task<(IReadOnlyList<Generation> All, int? Current)> GenerationsAsync(GuestName name, CancellationToken cancellationToken)
    {
        var output = await RunAsync(["generations", name.Value], cancellationToken).ConfigureAwait(false);
        var all = new List<Generation>();
        int? current = null;
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            switch (line.Split('\t'))
            {
                case ["current", var link]:
                    current = GenerationNumber(name, link);
                    break;
                case [_, _, _] when ParseGeneration(name, line) is { } generation:
                    all.Add(generation);
                    break;
            }
        }
        return ([.. all.OrderBy(generation => generation.Number)], current);
    }

    // NAME-N-link, its store path and its time in seconds, tab-separated, to a generation.
    private static Generation? ParseGeneration(GuestName name, string line) =>
        line.Split('\t') is [var link, var storePath, var seconds] && GenerationNumber(name, link) is { } number
        && long.TryParse(seconds, NumberStyles.None, CultureInfo.InvariantCulture, out var epoch)
            ? new Generation(number, TerminalText.Escape(storePath), DateTimeOffset.FromUnixTimeSeconds(epoch).UtcDateTime)
            : null;

    // NAME-N-link, the profile link's target, to N.
    internal static int? GenerationNumber(GuestName guest, string link)
    {
        var name = guest.Value;
        return link.StartsWith(name + "-", StringComparison.Ordinal) && link.EndsWith("-link", StringComparison.Ordinal)
            && int.TryParse(link.AsSpan(name.Length + 1, link.Length - name.Length - 6), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                ? number
                : null;
    }

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

/// <summary>Something on another host failed, or the host could not be reached. The problem often holds that host's
/// own words: its control characters are escaped (<see cref="TerminalText"/>).</summary>
public sealed class RemoteHostException(string host, string problem)
    : MiniguestException($"{host}: {TerminalText.Escape(problem)}")
{
    /// <summary>The host.</summary>
    public string Host { get; } = host;
}
