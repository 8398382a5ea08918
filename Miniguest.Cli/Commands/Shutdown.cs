using System.CommandLine;

namespace Miniguest.Cli.Commands;

/// <summary>The options of the commands that shut a guest down.</summary>
internal static class Shutdown
{
    public static Option<int> Timeout() => new("--timeout")
    {
        Description = "Seconds to wait for a graceful shutdown",
        DefaultValueFactory = _ => 60,
        CustomParser = result => OptionParsers.AtLeast(result, 0, "seconds"),
    };

    public static Option<bool> Force() => new("--force", "-f") { Description = "Pull the plug if the guest does not stop in time" };
}
