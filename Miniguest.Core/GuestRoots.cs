using Microsoft.Extensions.Logging;

namespace Miniguest.Core;

/// <summary>
/// The garbage-collector roots of the generations a guest's domain on this host needs, so that a garbage collection
/// (<c>nix-collect-garbage -d</c> deletes every old generation of the profiles under <c>/nix/var/nix/profiles</c>) never
/// takes a guest's system from under it: <see cref="Defined"/>, the generation its domain is defined on, which libvirtd's
/// autostart and <c>virsh start</c> boot with no Miniguest in between; and <see cref="Booted"/>, the one its running domain
/// runs, which an upgrade or a rollback moves the definition away from while it runs on. Each is a link in the guest's
/// state directory (<see cref="MiniguestPaths.GenerationRoots"/>) that Nix registers as an indirect root.
/// A root is made before what needs it and dropped after it is no longer needed: a command cut short leaves a root too
/// many, which the next one moves or drops, never one too few. The store path comes from the domain's metadata and is
/// rooted only if it is a store path itself: nothing else is ever handed to Nix.
/// </summary>
internal sealed class GuestRoots(MiniguestPaths paths, NixCli nix, ILogger logger)
{
    /// <summary>The root of the generation the guest's domain is defined on.</summary>
    public const string Defined = "defined";

    /// <summary>The root of the generation the guest's running domain runs.</summary>
    public const string Booted = "booted";

    /// <summary>Makes <paramref name="root"/> of guest <paramref name="name"/> root <paramref name="storePath"/>, the
    /// <c>store-path</c> of a domain's metadata. A domain whose metadata names none (defined by an older Miniguest), names
    /// something else than a store path, or one the store no longer has, has nothing to root: the root is dropped.</summary>
    /// <exception cref="NixException">Nix could not make the root.</exception>
    public async Task KeepAsync(GuestName name, string root, string? storePath, CancellationToken cancellationToken)
    {
        if (storePath is null || !NixStore.IsRootable(storePath) || !Path.Exists(storePath))
        {
            if (storePath is not null)
            {
                logger.LogWarning("the domain of '{Guest}' names {Path} as its generation, which is not a path of the store: nothing to root",
                    name.Value, storePath);
            }
            Drop(name, root);
            return;
        }
        var link = Path.Combine(paths.GenerationRoots(name), root);
        if (NixRootRegistration.Holds(link, storePath))
        {
            return;
        }
        using (var state = DirectoryHandle.OpenOrCreate(paths.GuestState(name), GuestStateDirectory.DirectoryMode))
        {
            // Made here, refusing a link in its place; Nix then writes the link in it by its path, which only root can change.
            state.CreateDirectory(Path.GetFileName(paths.GenerationRoots(name)), GuestStateDirectory.DirectoryMode).Dispose();
        }
        await nix.AddRootAsync(storePath, link, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes <paramref name="root"/> of guest <paramref name="name"/>, if it has it: the generation it held is
    /// then collected with the others once nothing else holds it.</summary>
    public void Drop(GuestName name, string root)
    {
        using var state = DirectoryHandle.TryOpen(paths.GuestState(name));
        using var roots = state?.TryOpenDirectory(Path.GetFileName(paths.GenerationRoots(name)));
        roots?.Delete(root);
    }
}
