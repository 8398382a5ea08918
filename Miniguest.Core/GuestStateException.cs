namespace Miniguest.Core;

/// <summary>An action cannot proceed in the guest's present state; the message says why, in the library's words (a
/// command line adds how to go on). The subclasses are the states callers act on.</summary>
public class GuestStateException(string message) : MiniguestException(message);

/// <summary>A guest of that name is installed already; installing it again replaces it only when asked to.</summary>
public sealed class GuestAlreadyInstalledException(string name, string? host = null)
    : GuestStateException(host is null ? $"guest '{name}' is already installed" : $"guest '{name}' is already installed on {host}")
{
    /// <summary>The guest.</summary>
    public string Name { get; } = name;
}

/// <summary>The guest has no domain yet.</summary>
public sealed class GuestHasNoDomainException(string name) : GuestStateException($"guest '{name}' has no domain")
{
    /// <summary>The guest.</summary>
    public string Name { get; } = name;
}

/// <summary>A guest runs, and the action would take its files from under it.</summary>
public sealed class GuestRunningException(string name) : GuestStateException($"guest '{name}' is running; stop it first")
{
    /// <summary>The guest.</summary>
    public string Name { get; } = name;
}

/// <summary>The guest runs already.</summary>
public sealed class GuestAlreadyRunningException(string name) : GuestStateException($"guest '{name}' is already running")
{
    /// <summary>The guest.</summary>
    public string Name { get; } = name;
}

/// <summary>The guest is not running, and the action needs it to.</summary>
public sealed class GuestNotRunningException(string name) : GuestStateException($"guest '{name}' is not running")
{
    /// <summary>The guest.</summary>
    public string Name { get; } = name;
}

/// <summary>A guest did not shut down in the time given.</summary>
public sealed class GuestStopTimeoutException(string name, TimeSpan timeout)
    : GuestStateException($"'{name}' did not stop within {timeout.TotalSeconds:0} s")
{
    /// <summary>The guest.</summary>
    public string Name { get; } = name;
}

/// <summary>A guest's domain has no network interface, so it has no address.</summary>
public sealed class GuestHasNoInterfaceException(string name)
    : GuestStateException($"guest '{name}' has no network interface")
{
    /// <summary>The guest.</summary>
    public string Name { get; } = name;
}

/// <summary>A guest on another host was installed before this host recorded the flake it is built from, so this host
/// cannot upgrade it: it never takes a flake reference from the other host.</summary>
public sealed class GuestSourceNotRecordedException(string message) : GuestStateException(message);

/// <summary>The guest's domain is on another libvirt URI than the one given: the URI given names the connection to act
/// on, and the guest is not there.</summary>
public sealed class GuestDomainElsewhereException(string name, string uri, string requested)
    : GuestStateException($"guest '{name}' has its domain on {uri}, not on {requested}")
{
    /// <summary>The guest.</summary>
    public string Name { get; } = name;

    /// <summary>The URI its domain is on.</summary>
    public string Uri { get; } = uri;

    /// <summary>The URI given.</summary>
    public string Requested { get; } = requested;
}

/// <summary>The guest's running domain has no channel to Miniguest's agent (<see cref="GuestChannel"/>): it was defined by
/// an older Miniguest, or by the original tool.</summary>
public sealed class GuestHasNoChannelException(string name)
    : GuestStateException($"guest '{name}' runs a domain without Miniguest's guest channel: restart it once, and it has one")
{
    /// <summary>The guest.</summary>
    public string Name { get; } = name;
}

/// <summary>Miniguest's agent in the running guest did not answer as it should: the generation it runs has no agent (built
/// by an older guest module, or the original's), the agent is busy, or it speaks another protocol.</summary>
public sealed class GuestAgentException(string message) : GuestStateException(message);
