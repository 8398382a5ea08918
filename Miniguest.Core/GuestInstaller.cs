namespace Miniguest.Core;

/// <summary>What an upgrade did.</summary>
/// <param name="Guest">The guest.</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="Before">The generation before.</param>
/// <param name="After">The generation after.</param>
/// <param name="Changes">The versions that changed, one package a line, as <c>nix store diff-closures</c> says.</param>
/// <param name="NewPaths">How many store paths the new generation's closure has that the old one's had not.</param>
public sealed record UpgradeResult(string Guest, UpgradeOutcome Outcome, Generation? Before, Generation? After,
    IReadOnlyList<string> Changes, int NewPaths = 0);

/// <summary>How an upgrade ended.</summary>
public enum UpgradeOutcome
{
    /// <summary>A new generation was built.</summary>
    Upgraded,

    /// <summary>The flake still resolves to what was built: nothing was rebuilt.</summary>
    Unchanged,

    /// <summary>The guest was installed from a locked reference: upgrades leave it alone.</summary>
    Locked,
}

/// <summary>
/// Builds and installs guests, here or on another host, and upgrades them, for the verbs behind <see cref="GuestHost"/>,
/// which hold the guest's lock and have cleared what a command cut short left (<see cref="LocalGuestFiles.LockAsync"/>)
/// before they call one.
/// One that fails part-way leaves the host as it was: builds are staged in a profile of their own and only become a
/// generation of the guest's profile once they succeeded.
/// </summary>
internal sealed class GuestInstaller(GuestStore store, NixCli nix, LocalGuestFiles files)
{
    private MiniguestPaths Paths => store.Paths;

    /// <summary>Builds <paramref name="reference"/> and installs it as guest <paramref name="name"/> (default: the
    /// attribute's name). Without <paramref name="force"/>, an installed guest of that name is an error.</summary>
    public async Task<Guest> InstallAsync(InstallableReference reference, GuestName name, bool force,
        IProgress<NixProgress>? progress, CancellationToken cancellationToken)
    {
        files.Check(name, force);
        var profile = new GuestProfile(Paths, name);
        var existed = profile.Exists;
        DirectoryHandle.OpenOrCreate(Paths.Profiles, GuestStateDirectory.DirectoryMode).Dispose();
        try
        {
            var staged = await StageAsync(name, reference.Installable, progress, cancellationToken).ConfigureAwait(false);
            await files.LinkAsync(name, staged, force, cancellationToken).ConfigureAwait(false);
        }
        catch when (!existed)
        {
            profile.Delete();
            throw;
        }
        finally
        {
            DropStaging(name);
        }
        return store.Get(name);
    }

    /// <summary>Builds <paramref name="installable"/> here and installs it as guest <paramref name="name"/> on the other host
    /// of <paramref name="uri"/>: copies its closure to the target's store, then makes it the next generation of the guest's
    /// profile there and links the guest to it there. Nothing is linked on the target unless the whole closure arrived: Nix
    /// sets a profile only to a path its store holds whole. Then this host records where the guest lives and the flake it
    /// was built from, as this host's build says (<see cref="RemoteGuests"/>): upgrades build that, and nothing the target
    /// says. Returns the generation and its store path.</summary>
    public async Task<(int Generation, string StorePath)> InstallRemoteAsync(string installable, GuestName name, string uri,
        SshTarget target, RemoteGuestFiles remote, SshSession session, bool force, bool buildOnTarget, IProgress<NixProgress>? progress,
        CancellationToken cancellationToken)
    {
        await remote.CheckAsync(name, force, cancellationToken).ConfigureAwait(false);
        DirectoryHandle.OpenOrCreate(Paths.Profiles, GuestStateDirectory.DirectoryMode).Dispose();
        try
        {
            if (buildOnTarget)
            {
                await new TargetBuild(nix, target, remote, session).RunAsync(installable, progress, cancellationToken).ConfigureAwait(false);
            }
            // The staging profile keeps the build from this host's garbage collector until the target's profile holds it.
            var staged = await StageAsync(name, installable, progress, cancellationToken).ConfigureAwait(false);
            var source = ProfileManifest.ReadSource(Path.Combine(staged, ProfileManifest.FileName));
            await CopyAsync(staged, target, session, progress, cancellationToken).ConfigureAwait(false);
            var generation = await remote.LinkAsync(name, staged, force, cancellationToken).ConfigureAwait(false);
            new RemoteGuests(Paths).Record(name, new RemoteGuest(uri, source, staged));
            return (generation, staged);
        }
        finally
        {
            DropStaging(name);
        }
    }

    /// <summary>Puts a guest this host declares (its link leads straight into this host's store) on another host: its
    /// closure copied there, and its profile there moved to it, unless it is there already.</summary>
    public async Task PlaceRemoteAsync(Guest guest, SshTarget target, Microsoft.Extensions.Logging.ILogger logger, CancellationToken cancellationToken)
    {
        var storePath = guest.StorePath ?? throw new GuestStateException($"guest '{guest.Name}' leads nowhere: its link is broken");
        using var session = new SshSession(target);
        using var remote = new RemoteGuestFiles(target, session, nix, logger);
        if ((await remote.ShowAsync([guest.Name], cancellationToken).ConfigureAwait(false)).GetValueOrDefault(guest.Name)?.Current.StorePath == storePath)
        {
            return;
        }
        await remote.CheckAsync(guest.Name, force: true, cancellationToken).ConfigureAwait(false);
        await CopyAsync(storePath, target, session, progress: null, cancellationToken).ConfigureAwait(false);
        await remote.LinkAsync(guest.Name, storePath, force: true, cancellationToken).ConfigureAwait(false);
    }

    // The closure of storePath copied into the target's store: all of it, or a failure that says which host.
    private async Task CopyAsync(string storePath, SshTarget target, SshSession session, IProgress<NixProgress>? progress,
        CancellationToken cancellationToken)
    {
        try
        {
            await nix.CopyAsync(target.NixStoreUri, [storePath], progress, session.NixEnvironment, cancellationToken).ConfigureAwait(false);
        }
        catch (NixException e)
        {
            throw new RemoteHostException(target.Host, "cannot copy the closure there: " + e.OneLine());
        }
    }

    /// <summary>Re-resolves the guest's flake reference and, if it moved, builds a new generation.</summary>
    public async Task<UpgradeResult> UpgradeAsync(GuestName name, IProgress<NixProgress>? progress, CancellationToken cancellationToken)
    {
        var guest = store.Get(name);
        var source = guest.Source ?? throw new GuestStateException(
            $"guest '{name}' is declarative: upgrade it through the host's NixOS configuration");
        var before = guest.Profile.Current;
        if (source.IsLocked)
        {
            return new UpgradeResult(name.Value, UpgradeOutcome.Locked, before, before, []);
        }
        var resolved = await nix.ResolveFlakeAsync(source.OriginalUrl, cancellationToken).ConfigureAwait(false);
        if (SameUrl(resolved, source.ResolvedUrl))
        {
            return new UpgradeResult(name.Value, UpgradeOutcome.Unchanged, before, before, []);
        }
        try
        {
            var staged = await StageAsync(name, $"{source.OriginalUrl}#{source.AttrPath}", progress, cancellationToken).ConfigureAwait(false);
            CrashPoint.Reach(CrashPoint.SetProfile);
            await nix.SetProfileAsync(guest.Profile.Path, staged, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            DropStaging(name);
        }
        return await ResultAsync(name, before, guest.Profile.Current, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>As <see cref="UpgradeAsync"/>, for a guest on another host: the flake this host recorded when it last
    /// installed or upgraded the guest (<paramref name="recorded"/>) is resolved and built here, its closure copied there,
    /// and made its next generation there. Of the target, only its current generation's number and store path are taken,
    /// never a flake reference. It is up to date where the flake did not move and the target's current generation is
    /// the one this host made. What changed is told where this host's store still holds the generation before.</summary>
    /// <exception cref="GuestSourceNotRecordedException">This host has no record of the flake: the guest was installed
    /// before this host kept one.</exception>
    public async Task<UpgradeResult> UpgradeRemoteAsync(GuestName name, RemoteGuest recorded, SshTarget target, RemoteGuestFiles remote, SshSession session,
        bool buildOnTarget, IProgress<NixProgress>? progress, CancellationToken cancellationToken)
    {
        var source = recorded.Source ?? throw new GuestSourceNotRecordedException(
            $"guest '{name}' on {target.Host} was installed before this host recorded the flake it is built from: "
            + $"install it again (miniguest -c {recorded.Uri} install --force -n {name} FLAKEREF)");
        var facts = await remote.DescribeAsync(name, [], cancellationToken).ConfigureAwait(false);
        var system = facts.RequireSystem(name, target.Host);
        var number = facts.Generation ?? throw new RemoteHostException(target.Host, $"the profile of '{name}' names no generation");
        var before = new Generation(number, system.Directory, default);
        if (source.IsLocked)
        {
            return new UpgradeResult(name.Value, UpgradeOutcome.Locked, before, before, []);
        }
        var resolved = await nix.ResolveFlakeAsync(source.OriginalUrl, cancellationToken).ConfigureAwait(false);
        if (SameUrl(resolved, source.ResolvedUrl) && system.Directory == recorded.StorePath)
        {
            return new UpgradeResult(name.Value, UpgradeOutcome.Unchanged, before, before, []);
        }
        var (generation, storePath) = await InstallRemoteAsync($"{source.OriginalUrl}#{source.AttrPath}", name, recorded.Uri, target, remote,
            session, force: true, buildOnTarget, progress, cancellationToken).ConfigureAwait(false);
        return await ResultAsync(name, before, new Generation(generation, storePath, DateTime.UtcNow), cancellationToken).ConfigureAwait(false);
    }

    // What an upgrade from before to after did: the versions that changed and the paths that are new, where both are in
    // this host's store.
    private async Task<UpgradeResult> ResultAsync(GuestName name, Generation? before, Generation? after, CancellationToken cancellationToken)
    {
        var moved = before is not null && after is not null && before.StorePath != after.StorePath
            && Directory.Exists(before.StorePath) && Directory.Exists(after.StorePath);
        var changes = moved ? await nix.DiffClosuresAsync(before!.StorePath, after!.StorePath, cancellationToken).ConfigureAwait(false) : [];
        var newPaths = moved
            ? (await nix.ClosureAsync(after!.StorePath, cancellationToken).ConfigureAwait(false))
                .Except(await nix.ClosureAsync(before!.StorePath, cancellationToken).ConfigureAwait(false), StringComparer.Ordinal).Count()
            : 0;
        return new UpgradeResult(name.Value, before?.StorePath == after?.StorePath ? UpgradeOutcome.Unchanged : UpgradeOutcome.Upgraded,
            before, after, changes, newPaths);
    }

    // Builds into a staging profile beside the guest's, a garbage-collector root until the caller deletes it once
    // the guest's profile holds the build, and returns the profile's store path: manifest.json recording the
    // flake, and the guest's files.
    private async Task<string> StageAsync(GuestName name, string installable, IProgress<NixProgress>? progress,
        CancellationToken cancellationToken)
    {
        var staging = Staging(name);
        CrashPoint.Reach(CrashPoint.Stage);
        await nix.ProfileInstallAsync(staging.Path, installable, progress, cancellationToken).ConfigureAwait(false);
        return Directory.ResolveLinkTarget(staging.Path, returnFinalTarget: true)?.FullName
            ?? throw new GuestStateException($"nix profile install made no profile at {staging.Path}");
    }

    private GuestProfile Staging(GuestName name) => GuestProfile.Staging(Paths, name);

    private void DropStaging(GuestName name)
    {
        CrashPoint.Reach(CrashPoint.DropStaging);
        Staging(name).Delete();
    }

    // Nix writes the same locked URL with different escaping across commands ("%2f" or "/").
    private static bool SameUrl(string a, string b) =>
        string.Equals(Uri.UnescapeDataString(a), Uri.UnescapeDataString(b), StringComparison.Ordinal);
}
