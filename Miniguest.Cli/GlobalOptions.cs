using System.CommandLine;

namespace Miniguest.Cli;

/// <summary>Options every command takes.</summary>
internal static class GlobalOptions
{
    public static readonly Option<string?> Connect = new("--connect", "-c")
    {
        Description = "libvirt URI (default: qemu:///system for VMs, lxc:/// for containers, or the URI the guest was created on)",
        Recursive = true,
    };

    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Show debug output, and the stack trace of errors",
        Recursive = true,
    };

    public static readonly Option<bool> Quiet = new("--quiet", "-q")
    {
        Description = "Show only warnings and errors",
        Recursive = true,
    };

    /// <summary>Not global: listings add it.</summary>
    public static Option<bool> Json() => new("--json") { Description = "Print machine-readable JSON" };
}
