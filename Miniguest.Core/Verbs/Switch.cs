using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>A running guest moved to its current generation without a restart (<see cref="GuestHost.SwitchAsync"/>): the
/// generation's NixOS system activated inside the guest by its own agent, over the guest's channel, then the records
/// made to follow: the domain defined on the generation, the running domain's metadata naming it, and its garbage-collector
/// root moved to it; on this host or another. Under the guest's lock, as every change of a guest.</summary>
internal static class Switch
{
    public static async Task<SwitchResult> RunAsync(GuestHostContext host, GuestName name, IProgress<string>? output, CancellationToken cancellationToken)
    {
        var guest = host.Elsewhere(name) is null ? host.Store.Get(name) : null;
        using var guestLock = await host.LockAsync(name, cancellationToken).ConfigureAwait(false);
        if (host.Elsewhere(name) is { } site)
        {
            return await ElsewhereAsync(host, name, site, output, cancellationToken).ConfigureAwait(false);
        }
        using var connection = host.SiteOf(guest!).Connect(host.Connector);
        using var domain = host.Domains.Get(connection, name);
        return await LockedAsync(host, guest!, domain.Handle, output, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The switch of <paramref name="guest"/>'s running <paramref name="domain"/> on this host, for a caller that
    /// holds the guest's lock (<c>apply</c>).</summary>
    public static async Task<SwitchResult> LockedAsync(GuestHostContext host, Guest guest, Domain domain, IProgress<string>? output,
        CancellationToken cancellationToken)
    {
        var system = guest.LoadSystem();
        var topLevel = SystemTopLevel.Of(SystemTopLevel.InitLinkOf(system.BootDirectory))
            ?? throw new GuestFileException(Path.Combine(system.BootDirectory, "init"), "does not lead to the init of a system in the store");
        return await ActivateAsync(domain, guest.Name, new GuestMetadata(guest.Name.Value, guest.Profile.Current?.Number, guest.StorePath), system,
            topLevel, storePath => host.Roots.KeepAsync(guest.Name, GuestRoots.Booted, storePath, cancellationToken),
            () => Resync.HereAsync(host, guest, cancellationToken), output, cancellationToken).ConfigureAwait(false);
    }

    // A guest of another host: its generation there as that host's agent describes it (checked here), its domain through
    // the libvirt connection to that host, its root and definition there.
    private static async Task<SwitchResult> ElsewhereAsync(GuestHostContext host, GuestName name, GuestSite site, IProgress<string>? output,
        CancellationToken cancellationToken)
    {
        using var there = host.RemoteDomains.Open(site);
        var facts = await there.Files.DescribeAsync(name, [], cancellationToken).ConfigureAwait(false);
        var system = facts.RequireSystem(name, there.Target.Host);
        var topLevel = facts.TopLevel
            ?? throw new RemoteHostException(there.Target.Host, $"it does not say which system the generation of '{name.Value}' boots: its miniguest is older "
                + "than this one's switch");
        using var connection = site.Connect(host.Connector);
        using var domain = host.Domains.Get(connection, name);
        return await ActivateAsync(domain.Handle, name, new GuestMetadata(name.Value, facts.Generation, system.Directory), system, topLevel,
            storePath => there.Files.RootAsync(name, GuestRoots.Booted, storePath, cancellationToken),
            () => Resync.ElsewhereAsync(host, name, site, cancellationToken), output, cancellationToken).ConfigureAwait(false);
    }

    // The switch itself, wherever the domain runs: its agent asked to activate the system of the generation that
    // metadata names, then the records made to follow: the generation's root (root), the running domain's record, the
    // definition (resync).
    private static async Task<SwitchResult> ActivateAsync(Domain domain, GuestName name, GuestMetadata metadata, GuestSystem system, string topLevel,
        Func<string?, Task> root, Func<Task> resync, IProgress<string>? output, CancellationToken cancellationToken)
    {
        if (!domain.IsActive)
        {
            throw new GuestNotRunningException(name.Value);
        }
        var running = DomainXml.Read(domain.GetXml());
        var ran = DomainXml.ReadMetadataElement(domain.GetMetadata(GuestMetadata.Namespace));
        var result = new SwitchResult { Name = name.Value, Outcome = SwitchOutcome.AlreadyCurrent, From = ran?.Generation, To = metadata.Generation };
        if (ran?.StorePath == metadata.StorePath)
        {
            return result;
        }
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
        var restartNeeded = BootChanged(running, system);
        await root(metadata.StorePath).ConfigureAwait(false);
        domain.SetMetadata(GuestMetadata.Namespace, DomainXml.MetadataPrefix, DomainXml.MetadataForDomain((ran ?? metadata) with
        {
            Generation = metadata.Generation, StorePath = metadata.StorePath, RestartPending = restartNeeded,
        }), DomainModificationImpact.Live);
        await resync().ConfigureAwait(false);
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

    // A VM's kernel, initrd and command line, as its running domain booted them and as its generation's definition has them.
    private static bool BootChanged(DomainDescription running, GuestSystem system) =>
        running.Vm is { } vm && (vm.Kernel != system.Kernel || vm.Initrd != system.Initrd
            || vm.CommandLine != KernelCommandLine.Compose(system.KernelParams, "/boot/init"));
}
