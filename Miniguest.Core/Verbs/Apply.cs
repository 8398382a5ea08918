namespace Miniguest.Core;

/// <summary>Bringing a NixOS host's declared guests in line with its manifest (<see cref="GuestHost.ApplyAsync"/>): the
/// guests no longer declared removed (<see cref="ApplyUndeclared"/>), each declared one defined and run
/// (<see cref="ApplyDeclared"/>), <see cref="ApplyOptions.Jobs"/> at a time; then the declared guests recorded.</summary>
internal static class Apply
{
    private const string DeclaredGuestsFile = "declarative-guests.json";

    public static async Task<IReadOnlyList<AppliedGuest>> RunAsync(GuestHostContext host, DeclarativeManifest manifest, ApplyOptions? options,
        IProgress<AppliedGuest>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        options ??= new ApplyOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Jobs, 1);
        using var jobs = new SemaphoreSlim(options.Jobs);
        var appliedFile = Path.Combine(host.Paths.State, DeclaredGuestsFile);
        var declared = manifest.Guests.Keys.Order(StringComparer.Ordinal).ToList();
        var gone = DeclarativeManifest.ReadApplied(appliedFile).Except(declared).ToList();
        async Task<AppliedGuest> Reported(Task<AppliedGuest> work)
        {
            var applied = await work.ConfigureAwait(false);
            progress?.Report(applied);
            return applied;
        }
        // The guests no longer declared go first: what they held (memory, say) is the new ones'. A name that is no guest's,
        // in the manifest or the record of the last apply, fails alone, as one guest's failure does.
        var work = gone.Select(name => Reported(GuestName.TryParse(name, out var guest, out var error)
            ? ApplyUndeclared.RunAsync(host, guest, options, jobs, cancellationToken)
            : Task.FromResult(new AppliedGuest(name) { Domain = AppliedDomain.Removed, Error = error }))).ToList();
        foreach (var name in declared)
        {
            work.Add(Reported(GuestName.TryParse(name, out var guest, out var error)
                ? await ApplyDeclared.RunAsync(host, guest, manifest.Guests[name], options, jobs, cancellationToken).ConfigureAwait(false)
                : Task.FromResult(new AppliedGuest(name) { Error = error })));
        }
        var results = await Task.WhenAll(work).ConfigureAwait(false);
        CrashPoint.Reach(CrashPoint.RecordDeclared);
        // A guest whose removal failed stays recorded: the next apply removes it.
        var recorded = declared.Concat(results.Where(result => result.Error is not null && result.Domain == AppliedDomain.Removed).Select(result => result.Name));
        using var state = DirectoryHandle.OpenOrCreate(host.Paths.State, GuestStateDirectory.DirectoryMode);
        state.WriteFile(DeclaredGuestsFile, DeclarativeManifest.WriteApplied(recorded), GuestStateDirectory.FileMode);
        return results;
    }

    /// <summary>Whether the guest is one the host's NixOS configuration declares and apply keeps: its settings are the
    /// configuration's.</summary>
    public static bool IsApplied(GuestHostContext host, GuestName name) =>
        host.Store.LinkState(name) == GuestLinkState.Declarative
        && DeclarativeManifest.ReadApplied(Path.Combine(host.Paths.State, DeclaredGuestsFile)).Contains(name.Value, StringComparer.Ordinal);
}
