using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>A running guest moved to its current generation without a restart (<see cref="GuestHost.SwitchAsync"/>): the
/// generation's NixOS system activated inside the guest by its own agent, over the guest's channel, then the records
/// made to follow: the domain defined on the generation, the running domain's metadata naming it, and its garbage-collector
/// root moved to it. Under the guest's lock, as every change of a guest.</summary>
internal static class Switch
{
    public static async Task<SwitchResult> RunAsync(GuestHostContext host, GuestName name, IProgress<string>? output, CancellationToken cancellationToken)
    {
        if (host.Elsewhere(name) is not null)
        {
            throw new GuestStateException($"guest '{name.Value}' lives on another host: switching it there is not supported yet; restart it there");
        }
        var guest = host.Store.Get(name);
        using var guestLock = await host.LockAsync(name, cancellationToken).ConfigureAwait(false);
        using var connection = host.SiteOf(guest).Connect(host.Connector);
        using var domain = host.Domains.Get(connection, name);
        return await LockedAsync(host, guest, domain.Handle, output, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The switch of <paramref name="guest"/>'s running <paramref name="domain"/>, for a caller that holds the
    /// guest's lock (<c>apply</c>).</summary>
    public static async Task<SwitchResult> LockedAsync(GuestHostContext host, Guest guest, Domain domain, IProgress<string>? output,
        CancellationToken cancellationToken)
    {
        var name = guest.Name;
        if (!domain.IsActive)
        {
            throw new GuestNotRunningException(name.Value);
        }
        var system = guest.LoadSystem();
        var metadata = new GuestMetadata(name.Value, guest.Profile.Current?.Number, guest.StorePath);
        var running = DomainXml.Read(domain.GetXml());
        var ran = DomainXml.ReadMetadataElement(domain.GetMetadata(GuestMetadata.Namespace));
        var result = new SwitchResult { Name = name.Value, Outcome = SwitchOutcome.AlreadyCurrent, From = ran?.Generation, To = metadata.Generation };
        if (ran?.StorePath == metadata.StorePath)
        {
            return result;
        }
        var topLevel = TopLevel(system);
        GuestActivation activation;
        using (var agent = await GuestAgent.ConnectAsync(domain, running, name.Value, cancellationToken).ConfigureAwait(false))
        {
            activation = await agent.SwitchAsync(topLevel, output, cancellationToken).ConfigureAwait(false);
        }
        if (activation.Outcome != ActivationOutcome.Switched)
        {
            throw new GuestSwitchFailedException(name.Value, Generation(metadata.Generation, "its current generation"),
                Generation(ran?.Generation, "the generation it ran"), activation.Status, activation.Outcome == ActivationOutcome.FailedSwitchedBack,
                activation.Refusal);
        }
        // The generation it now runs: its root first, then the running domain's record, then the definition.
        var restartNeeded = BootChanged(running, system);
        await host.Roots.KeepAsync(name, GuestRoots.Booted, metadata.StorePath, cancellationToken).ConfigureAwait(false);
        domain.SetMetadata(GuestMetadata.Namespace, DomainXml.MetadataPrefix, DomainXml.MetadataForDomain((ran ?? metadata) with
        {
            Generation = metadata.Generation, StorePath = metadata.StorePath, RestartPending = restartNeeded,
        }), DomainModificationImpact.Live);
        await Resync.HereAsync(host, guest, cancellationToken).ConfigureAwait(false);
        return result with { Outcome = SwitchOutcome.Switched, RestartNeeded = restartNeeded };
    }

    /// <summary>Whether running <paramref name="domain"/> of <paramref name="guest"/> can move to the guest's current
    /// generation by a switch alone: it has the agent's channel, and the generation boots as it did (the same kernel, initrd
    /// and kernel command line).</summary>
    public static bool SwitchesAlone(Guest guest, Domain domain)
    {
        var running = DomainXml.Read(domain.GetXml());
        return (running.Vm?.AgentChannel ?? running.Container!.AgentChannel) && !BootChanged(running, guest.LoadSystem());
    }

    private static string Generation(int? number, string otherwise) => number is { } n ? $"generation {n}" : otherwise;

    /// <summary>The NixOS system of a guest's build output: the top level its boot directory's init belongs to
    /// (<c>boot/init</c> links to <c>&lt;toplevel&gt;/init</c>), a path directly in the store.</summary>
    /// <exception cref="GuestFileException">The init leads elsewhere.</exception>
    internal static string TopLevel(GuestSystem system)
    {
        var init = Path.Combine(system.BootDirectory, "init");
        var target = File.ResolveLinkTarget(init, returnFinalTarget: false)?.FullName;
        var topLevel = target is null ? null : Path.GetDirectoryName(target);
        return topLevel is not null && Path.GetFileName(target) == "init" && NixStore.IsRootable(topLevel)
            ? topLevel
            : throw new GuestFileException(init, "does not lead to the init of a system in the store");
    }

    // A VM's kernel, initrd and command line, as its running domain booted them and as its generation's definition has them.
    private static bool BootChanged(DomainDescription running, GuestSystem system) =>
        running.Vm is { } vm && (vm.Kernel != system.Kernel || vm.Initrd != system.Initrd
            || vm.CommandLine != KernelCommandLine.Compose(system.KernelParams, "/boot/init"));
}
