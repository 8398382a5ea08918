using System.CommandLine;

namespace Miniguest.Cli;

/// <summary>Options every command takes.</summary>
internal static class GlobalOptions
{
    public static readonly Option<string?> Connect = new("--connect", "-c")
    {
        Description = "The libvirt URI to act on: list shows its guests, and a guest defined on another is refused "
            + "(default: the URI each guest was created on, else qemu:///system for VMs and lxc:/// for containers)",
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
