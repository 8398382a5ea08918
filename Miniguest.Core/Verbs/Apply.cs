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
        // The guests no longer declared go first: what they held (memory, say) is the new ones'.
        var work = gone.Select(name => Reported(ApplyUndeclared.RunAsync(host, name, options, jobs, cancellationToken))).ToList();
        foreach (var name in declared)
        {
            work.Add(Reported(await ApplyDeclared.RunAsync(host, name, manifest.Guests[name], options, jobs, cancellationToken).ConfigureAwait(false)));
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
    public static bool IsApplied(GuestHostContext host, string name) =>
        host.Store.LinkState(GuestName.Validate(name)) == GuestLinkState.Declarative
        && DeclarativeManifest.ReadApplied(Path.Combine(host.Paths.State, DeclaredGuestsFile)).Contains(name, StringComparer.Ordinal);
}
