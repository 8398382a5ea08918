namespace Miniguest.Tests.Integration;

/// <summary>Runs a command as the host user <c>nobody</c> (uid and gid 65534, no other groups): what any host user may do.</summary>
internal static class AsNobody
{
    /// <summary>Runs <paramref name="command"/> and returns its exit code and output. Through a shell: <c>setpriv</c> itself
    /// still holds root's capabilities when it executes its command, so the command's own path would be looked up as
    /// root's.</summary>
    public static CommandResult Run(params string[] command) =>
        TestCommand.Run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", "/bin/sh", "-c", "exec \"$@\"", "sh", .. command]);
}
