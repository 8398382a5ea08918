using System.Diagnostics;

namespace Miniguest.Core;

/// <summary>
/// One SSH login to a target for the length of a command, shared by every ssh the command runs there, Nix's included:
/// OpenSSH's connection sharing (a control socket in a directory only root can enter). A login costs a key exchange and
/// an authentication, about a third of a second; a remote install runs its agent and a nix copy there. The first one opens the
/// shared connection; it closes when the command ends, or at the latest 30 s after its last use if the command was
/// killed.
/// </summary>
internal sealed class SshSession : IDisposable
{
    private readonly SshTarget _target;
    private readonly string _directory;
    private readonly string _controlPath;

    public SshSession(SshTarget target)
    {
        _target = target;
        _directory = Directory.CreateTempSubdirectory("miniguest-ssh-").FullName;
        // OpenSSH names the socket itself, from the login's hash: short enough for a socket's path.
        _controlPath = Path.Combine(_directory, "%C");
    }

    /// <summary>The options every ssh of the command takes, as arguments.</summary>
    public IReadOnlyList<string> Options =>
        ["-o", "ControlMaster=auto", "-o", "ControlPath=" + _controlPath, "-o", "ControlPersist=30"];

    /// <summary>The environment Nix runs with, so that its ssh shares the login: <see cref="SshTarget.SshOptionsVariable"/>
    /// with <see cref="Options"/> added. (Nix splits it on white space: the directory has none.)</summary>
    public IReadOnlyDictionary<string, string> NixEnvironment => new Dictionary<string, string>
    {
        [SshTarget.SshOptionsVariable] = string.Join(' ',
            new[] { Environment.GetEnvironmentVariable(SshTarget.SshOptionsVariable) ?? "" }.Concat(Options).Where(part => part.Length > 0)),
    };

    /// <summary>Closes the shared connection, if one was opened, and removes its directory.</summary>
    public void Dispose()
    {
        if (Directory.EnumerateFileSystemEntries(_directory).Any())
        {
            var exit = new ProcessStartInfo("ssh")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in (string[])["-o", "ControlPath=" + _controlPath, "-O", "exit", _target.Destination])
            {
                exit.ArgumentList.Add(argument);
            }
            try
            {
                using var process = Process.Start(exit);
                process?.WaitForExit(TimeSpan.FromSeconds(5));
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // No ssh to ask: the connection closes by itself 30 s after its last use.
            }
        }
        Directory.Delete(_directory, recursive: true);
    }
}
