namespace Miniguest.Core;

/// <summary>
/// The build of a guest on another host (install and upgrade <c>--build-on-target</c>): its derivation, evaluated here, is
/// copied there and built there, and the build comes back here, where the guest's profile (its record of the flake it came
/// from, which Nix makes only in a store of its own host) is made from it without building anything.
/// </summary>
/// <remarks>
/// What comes back is only what this host's own evaluation names: the derivation's output, and of the closure the target
/// claims for it, the outputs of the derivations the guest's derivation is built from. Every other path of that closure
/// must be valid here already; one that is not is refused, in one line naming it, before anything is copied back. The
/// paths that come back are copied one by one, not as closures (so the target cannot add a reference on the way), without
/// signatures: a build there is unsigned. Their store paths are the ones the derivations evaluated here name; their content
/// is the target's build, which is what building there means.
/// </remarks>
internal sealed class TargetBuild(NixCli nix, SshTarget target, RemoteGuestFiles remote, SshSession session)
{
    /// <summary>Builds <paramref name="installable"/> on the target and brings the build back into this host's store.</summary>
    /// <exception cref="RemoteHostException">The copy or the build there failed, or the target's build names a path this
    /// host's evaluation does not: nothing of it was copied back.</exception>
    public async Task RunAsync(string installable, IProgress<NixProgress>? progress, CancellationToken cancellationToken)
    {
        var derivation = await nix.DerivationAsync(installable, cancellationToken).ConfigureAwait(false);
        var outputs = await nix.DerivationOutputsAsync(derivation, cancellationToken).ConfigureAwait(false);
        try
        {
            await nix.CopyDerivationsAsync(target.NixStoreUri, [derivation], progress, session.NixEnvironment, cancellationToken).ConfigureAwait(false);
        }
        catch (NixException e)
        {
            throw new RemoteHostException(target.Host, "cannot copy the derivation there: " + e.OneLine());
        }
        var output = await remote.RealiseAsync(derivation, cancellationToken).ConfigureAwait(false);
        if (!outputs.TryGetValue(derivation, out var own) || !own.Contains(output))
        {
            throw new RemoteHostException(target.Host, $"building {derivation} there gave {output}, which is not its output here");
        }
        var closure = await remote.ClosureAsync(output, cancellationToken).ConfigureAwait(false);
        var evaluated = outputs.Values.SelectMany(paths => paths).ToHashSet(StringComparer.Ordinal);
        var foreign = await nix.InvalidPathsAsync([.. closure.Where(path => !evaluated.Contains(path))], cancellationToken).ConfigureAwait(false);
        if (foreign is [var first, ..])
        {
            throw new RemoteHostException(target.Host, $"the build of {derivation} there refers to {first}, which no derivation "
                + "of the guest's evaluated here outputs and this host's store does not hold: nothing of it was copied back");
        }
        try
        {
            await nix.CopyFromAsync(target.NixStoreUri, [output, .. closure.Where(path => path != output && evaluated.Contains(path))],
                progress, session.NixEnvironment, cancellationToken).ConfigureAwait(false);
        }
        catch (NixException e)
        {
            throw new RemoteHostException(target.Host, "cannot copy the build back from there: " + e.OneLine());
        }
    }
}
