namespace Miniguest.Core;

/// <summary>What a live switch did (<see cref="IGuestHost.SwitchAsync"/>).</summary>
public enum SwitchOutcome
{
    /// <summary>The guest already ran its current generation: nothing was done.</summary>
    AlreadyCurrent,

    /// <summary>The guest activated its current generation, and its records follow.</summary>
    Switched,
}

/// <summary>The guest's activation of its current generation failed (it then activated the generation it ran again, where
/// <see cref="SwitchedBack"/>), or its agent refused the generation: nothing of the guest's records changed.</summary>
public sealed class GuestSwitchFailedException(string name, string generation, string before, int? status, bool switchedBack, string? refusal)
    : GuestStateException(refusal is not null ? $"guest '{name}' refused {generation}: {refusal}"
        : switchedBack ? $"guest '{name}': {generation} failed to activate (exit {status}); it switched back to {before}"
        : $"guest '{name}': {generation} failed to activate (exit {status}), and switching back to {before} failed too")
{
    /// <summary>The guest.</summary>
    public string Name { get; } = name;

    /// <summary>Whether the guest runs the generation it ran before again.</summary>
    public bool SwitchedBack { get; } = switchedBack;

}

/// <summary>What a live switch did to a running guest.</summary>
public sealed record SwitchResult
{
    /// <summary>The guest.</summary>
    public required string Name { get; init; }

    /// <summary>How it ended.</summary>
    public required SwitchOutcome Outcome { get; init; }

    /// <summary>The generation the guest ran before; <see langword="null"/> for a guest without generations (declared by
    /// its NixOS host) or a domain whose records name none.</summary>
    public int? From { get; init; }

    /// <summary>The generation it was to run: its current one.</summary>
    public int? To { get; init; }

    /// <summary>Whether the new generation's kernel, initrd or kernel command line differ from those the guest booted: its
    /// userspace switched, as <c>nixos-rebuild switch</c> does, and the rest takes effect at its next restart.</summary>
    public bool RestartNeeded { get; init; }
}
