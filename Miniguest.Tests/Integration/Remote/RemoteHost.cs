namespace Miniguest.Tests.Integration.Remote;

/// <summary>
/// A second Miniguest host simulated on this machine (scripts/remote-host) in a temporary directory of its own:
/// its own store, guest links, state and libvirtd, reached only over SSH, as a real other host would be. It is
/// taken down, and its directory with its store removed, on disposal.
/// </summary>
internal sealed class RemoteHost : IDisposable
{
    /// <summary>The script waits up to 20 s for each of its three daemons.</summary>
    private static readonly TimeSpan UpTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Destroying each running guest may take the script 20 s, and ending its processes 20 s more.</summary>
    private static readonly TimeSpan DownTimeout = TimeSpan.FromMinutes(3);

    /// <summary>For anything run on either host: as long as <see cref="Cli.MiniguestHost"/> gives the CLI.</summary>
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan SshdPatience = TimeSpan.FromSeconds(20);

    private bool _disposed;

    /// <summary>What scripts/remote-host runs (it checks the same list), and nix for the copies.</summary>
    private static readonly string[] Commands =
        ["ip", "unshare", "nsenter", "virtlogd", "libvirtd", "virsh", "nix-store", "ssh", "ssh-keygen", "nix"];

    /// <summary>Checks that this machine can simulate a second host: a failure with the reason in CI, inconclusive
    /// elsewhere (<see cref="IntegrationEnvironment.RequireHost"/>).</summary>
    public static void RequirePrerequisites()
    {
        var missing = Commands.Where(command => !OnPath(command)).Select(command => command + " not found").ToList();
        if (!File.Exists("/usr/sbin/sshd"))
        {
            missing.Add("no /usr/sbin/sshd (openssh-server)");
        }
        if (!System.Environment.IsPrivilegedProcess)
        {
            missing.Add("not root (namespaces, mounts and daemons need it)");
        }
        IntegrationEnvironment.RequireHost(missing.Count == 0,
            "cannot simulate a second host (scripts/setup-host installs what it needs): " + string.Join("; ", missing));
    }

    private static bool OnPath(string command) =>
        (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, command)));

    /// <summary>Brings a new simulated host up on the script's network (<c>MINIGUEST_REMOTE_NET</c>, or its default).</summary>
    public RemoteHost()
    {
        TakeDownAbandoned();
        Directory = CreateDirectory();
        File.WriteAllText(Path.Combine(Directory, OwnerFile), ThisProcess());
        try
        {
            // Its own miniguest, which this host's runs there as its agent: the one under test.
            var up = Run(Repository.PathOf("scripts/remote-host"), ["up", Directory], UpTimeout,
                new Dictionary<string, string> { ["MINIGUEST_REMOTE_AGENT"] = Cli.MiniguestHost.Executable });
            if (up.ExitCode != 0)
            {
                throw new InvalidOperationException($"scripts/remote-host up {Directory} failed:\n{up}");
            }
            Address = ReadSetting(Path.Combine(Directory, "remote-host.env"), "ADDR");
            _veth = ReadSetting(Path.Combine(Directory, "remote-host.env"), "VETH");
            _networkNamespace = ReadSetting(Path.Combine(Directory, "remote-host.env"), "NETNS");
        }
        catch (Exception failure)
        {
            if (TakeDown(Directory) is { } leftOver)
            {
                throw new InvalidOperationException($"{failure.Message}\nTaking it down again: {leftOver}", failure);
            }
            throw;
        }
    }

    /// <summary>The simulated host's directory: its keys, logs, state and, under fs/, its own file systems.</summary>
    public string Directory { get; }

    private readonly string _veth = "";
    private readonly string _networkNamespace = "";

    /// <summary>The simulated host's address, on a veth pair to this host.</summary>
    public string Address { get; }

    /// <summary>The client key that the simulated host's root accepts.</summary>
    public string KeyFile => Path.Combine(Directory, "id_ed25519");

    /// <summary>ssh with the simulated host's known host key, strict checking and no prompts: libvirt's ssh transport
    /// ignores known_hosts, so its URIs name this as their command.</summary>
    public string SshWrapper => Path.Combine(Directory, "ssh");

    /// <summary>libvirt's QEMU driver on the simulated host, through <see cref="SshWrapper"/>.</summary>
    public string QemuUri => $"qemu+ssh://root@{Address}/system?keyfile={KeyFile}&command={SshWrapper}";

    /// <summary>libvirt's LXC driver on the simulated host, through <see cref="SshWrapper"/>.</summary>
    public string LxcUri => $"lxc+ssh://root@{Address}/?keyfile={KeyFile}&command={SshWrapper}";

    /// <summary>The simulated host's store, as <c>nix copy --to</c> names it; Nix needs <see cref="NixSshOptions"/> to reach it.</summary>
    public string NixStoreUri => $"ssh://root@{Address}?ssh-key={KeyFile}";

    /// <summary>NIX_SSHOPTS for Nix's ssh: the store URI names the key, but not the known hosts.</summary>
    public string NixSshOptions =>
        $"-o UserKnownHostsFile={Path.Combine(Directory, "known_hosts")} -o StrictHostKeyChecking=yes -o BatchMode=yes";

    /// <summary>What a process on this host (miniguest, nix) needs in its environment to reach the simulated host.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string> { ["NIX_SSHOPTS"] = NixSshOptions };

    /// <summary>Runs <paramref name="command"/> inside the simulated host (its namespaces, in /), as root.</summary>
    public CommandResult Exec(params string[] command) => RunScript(CommandTimeout, ["exec", Directory, "--", .. command]);

    /// <summary>Runs <paramref name="program"/> on this host with <see cref="Environment"/>: Nix copying to the simulated host, say.</summary>
    public CommandResult RunHere(string program, params string[] arguments) => Run(program, arguments, CommandTimeout, Environment);

    /// <summary>Sets the environment of the simulated host's agent for the commands to come (the crash points'
    /// variables): the lines of <paramref name="assignments"/>, or none.</summary>
    public void SetAgentEnvironment(params string[] assignments)
    {
        var file = Path.Combine(Directory, "fs", "root", "agent.env");
        if (assignments.Length == 0)
        {
            File.Delete(file);
            return;
        }
        File.WriteAllLines(file, assignments.Select(assignment => "export " + assignment));
    }

    /// <summary>Whether something is at <paramref name="path"/> inside the simulated host (a link counts, dangling or not).</summary>
    public bool PathExists(string path) => Exec("stat", "--format=%F", "--", path).ExitCode == 0;

    /// <summary>Whether the simulated host's Nix has <paramref name="storePath"/> registered as valid.</summary>
    public bool StorePathValid(string storePath) =>
        Exec("nix-store", "--option", "substituters", "", "--check-validity", storePath).ExitCode == 0;

    /// <summary>Stops the simulated host's sshd, as stopping its service on a real host would: new connections are
    /// refused, the sessions already open live on. The script has no command for it: this ends the daemon that
    /// wrote its pid file, which sshd removes once its listening socket is closed.</summary>
    public void StopSshd()
    {
        var pidFile = Path.Combine(Directory, "run", "sshd.pid");
        var pid = File.ReadAllText(pidFile).Trim();
        var comm = File.ReadAllText($"/proc/{pid}/comm").Trim();
        if (comm != "sshd")
        {
            throw new InvalidOperationException($"{pidFile} names process {pid}, which is {comm}, not sshd");
        }
        var kill = Run("kill", ["-TERM", pid], CommandTimeout);
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -TERM {pid} (sshd) failed:\n{kill}");
        }
        WaitFor(() => !File.Exists(pidFile), "sshd to stop");
    }

    /// <summary>Starts the simulated host's sshd again, with the configuration <c>up</c> wrote, and waits until it lets root in.</summary>
    public void StartSshd()
    {
        var sshd = Exec("/usr/sbin/sshd", "-f", Path.Combine(Directory, "sshd", "sshd_config"), "-E", Path.Combine(Directory, "log", "sshd.log"));
        if (sshd.ExitCode != 0)
        {
            throw new InvalidOperationException($"sshd did not start:\n{sshd}");
        }
        WaitFor(() => Run(SshWrapper, ["-o", "ConnectTimeout=2", "-i", KeyFile, "root@" + Address, "true"], CommandTimeout).ExitCode == 0,
            "sshd to let root in");
    }

    /// <summary>Starts the sshd again if a test stopped it (<see cref="StopSshd"/>).</summary>
    public void StartSshdIfStopped()
    {
        if (!File.Exists(Path.Combine(Directory, "run", "sshd.pid")))
        {
            StartSshd();
        }
    }

    /// <summary>Limits what this host sends the simulated one to <paramref name="kilobits"/> per second, or lifts the limit
    /// (<see langword="null"/>): a slow link, on this host's end of the veth pair.</summary>
    public void Throttle(int? kilobits)
    {
        var tc = kilobits is { } rate
            ? Run("tc", ["qdisc", "replace", "dev", _veth, "root", "tbf", "rate", $"{rate}kbit", "burst", "8kb", "latency", "1s"], CommandTimeout)
            : Run("tc", ["qdisc", "del", "dev", _veth, "root"], CommandTimeout);
        if (tc.ExitCode != 0 && kilobits is not null)
        {
            throw new InvalidOperationException($"tc failed:\n{tc}");
        }
    }

    /// <summary>The processes named <paramref name="name"/> that run in the simulated host's network namespace.</summary>
    public IReadOnlyList<string> ProcessesNamed(string name) =>
        Run("ip", ["netns", "pids", _networkNamespace], CommandTimeout).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(pid => File.Exists($"/proc/{pid}/comm") && ReadOrEmpty($"/proc/{pid}/comm").Trim() == name)
            .ToList();

    /// <summary>Kills every sshd of the simulated host, the sessions' too, as a crash of its SSH service would: open
    /// connections drop at once. <see cref="StartSshdIfStopped"/> starts it again.</summary>
    public void KillSshd()
    {
        foreach (var pid in ProcessesNamed("sshd"))
        {
            Run("kill", ["-KILL", pid], CommandTimeout);
        }
        File.Delete(Path.Combine(Directory, "run", "sshd.pid"));
    }

    private static string ReadOrEmpty(string file)
    {
        try
        {
            return File.ReadAllText(file);
        }
        catch (IOException)
        {
            return ""; // the process ended meanwhile
        }
    }

    /// <summary>Stops the simulated host's libvirtd (its guests, run outside it, live on), as stopping its service would.</summary>
    public void StopLibvirtd()
    {
        var pidFile = Path.Combine(Directory, "run", "libvirtd.pid");
        var pid = File.ReadAllText(pidFile).Trim();
        if (File.ReadAllText($"/proc/{pid}/comm").Trim() != "libvirtd")
        {
            throw new InvalidOperationException($"{pidFile} names process {pid}, which is not libvirtd");
        }
        var kill = Run("kill", ["-TERM", pid], CommandTimeout);
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -TERM {pid} (libvirtd) failed:\n{kill}");
        }
        WaitFor(() => !System.IO.Directory.Exists($"/proc/{pid}"), "libvirtd to stop");
    }

    /// <summary>Starts the simulated host's libvirtd again, as <c>up</c> does, if a test stopped it.</summary>
    public void StartLibvirtdIfStopped()
    {
        var pidFile = Path.Combine(Directory, "run", "libvirtd.pid");
        if (File.Exists(pidFile) && File.ReadAllText(pidFile).Trim() is var pid && File.Exists($"/proc/{pid}/comm")
            && File.ReadAllText($"/proc/{pid}/comm").Trim() == "libvirtd")
        {
            return;
        }
        var started = Exec("sh", "-c", $"exec libvirtd -d -p '{pidFile}' 2>>'{Path.Combine(Directory, "log", "libvirtd.log")}'");
        if (started.ExitCode != 0)
        {
            throw new InvalidOperationException($"libvirtd did not start:\n{started}");
        }
        WaitFor(() => Exec("virsh", "-q", "-c", "qemu:///system", "version").ExitCode == 0, "libvirtd to answer");
    }

    /// <summary>Takes the simulated host down and removes its directory; fails, saying what is left, if anything is.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (TakeDown(Directory) is { } leftOver)
        {
            throw new InvalidOperationException($"the simulated host in {Directory} was not taken down cleanly: {leftOver}");
        }
    }

    // Who brought a simulated host up: a test run killed before its Dispose leaves the host up, and its directory says so.
    private const string OwnerFile = "owner";

    /// <summary>Takes down the simulated hosts that test runs no longer running left up (their address would be taken).</summary>
    private static void TakeDownAbandoned()
    {
        foreach (var directory in System.IO.Directory.EnumerateDirectories("/var/tmp", "miniguest-remote-*"))
        {
            var owner = Path.Combine(directory, OwnerFile);
            if (File.Exists(owner) && !IsRunning(File.ReadAllText(owner).Trim()) && TakeDown(directory) is { } leftOver)
            {
                TestContext.Progress.WriteLine($"an abandoned simulated host in {directory} was not taken down cleanly: {leftOver}");
            }
        }
    }

    // "PID START": the process, and when it started (so that a reused pid is not taken for it).
    private static string ThisProcess() => $"{System.Environment.ProcessId} {StartTime(System.Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture))}";

    private static bool IsRunning(string owner) =>
        owner.Split(' ') is [var pid, var start] && StartTime(pid) == start;

    // Field 22 of /proc/PID/stat, after the command name, which may hold spaces and parentheses.
    private static string? StartTime(string pid)
    {
        var stat = ReadOrEmpty($"/proc/{pid}/stat");
        var fields = stat.Length > 0 ? stat[(stat.LastIndexOf(')') + 2)..].Split(' ') : [];
        return fields.Length > 19 ? fields[19] : null;
    }

    /// <summary>Every step, whatever the ones before did; returns what went wrong, or null.</summary>
    private static string? TakeDown(string directory)
    {
        var problems = new List<string>();
        try
        {
            var down = RunScript(DownTimeout, "down", directory);
            if (down.ExitCode != 0)
            {
                problems.Add($"scripts/remote-host down failed:\n{down}");
            }
        }
        catch (TimeoutException e)
        {
            problems.Add(e.Message);
        }
        // rm --one-file-system still goes into a bind mount from the same file system (DIR/ns is one): with a mount
        // left, the directory stays as it is, to be looked at.
        var mounts = MountsUnder(directory);
        if (mounts.Count > 0)
        {
            problems.Add($"still mounted, so {directory} is kept: {string.Join(", ", mounts)}");
            return string.Join('\n', problems);
        }
        // As root: the store's directories are read-only.
        try
        {
            var remove = Run("rm", ["-rf", "--one-file-system", "--", directory], CommandTimeout);
            if (remove.ExitCode != 0)
            {
                problems.Add($"rm -rf {directory} failed:\n{remove}");
            }
        }
        catch (TimeoutException e)
        {
            problems.Add(e.Message);
        }
        return problems.Count > 0 ? string.Join('\n', problems) : null;
    }

    /// <summary>A new directory under /var/tmp (on disk: the simulated host's store may grow), with no white space in
    /// its path, which goes unquoted into sshd's configuration and NIX_SSHOPTS.</summary>
    private static string CreateDirectory()
    {
        var directory = System.IO.Directory.CreateDirectory(Path.Combine("/var/tmp", $"miniguest-remote-{Guid.NewGuid():N}"[..29])).FullName;
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("the simulated host runs on Linux");
        }
        // 711: a container's mapped root must be able to reach the simulated host's directories below.
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        return directory;
    }

    /// <summary>ADDR from the settings the script writes on first use (shell assignments, one a line).</summary>
    private static string ReadSetting(string stateFile, string name) =>
        File.ReadLines(stateFile).Select(line => line.Split('=', 2)).FirstOrDefault(pair => pair[0] == name)?[1]
        ?? throw new InvalidOperationException($"{stateFile} names no {name}");

    /// <summary>The mount points at or below <paramref name="directory"/> in this host's mount table.</summary>
    private static List<string> MountsUnder(string directory) =>
        File.ReadLines("/proc/self/mountinfo")
            .Select(line => line.Split(' ')[4])
            .Where(target => target == directory || target.StartsWith(directory + "/", StringComparison.Ordinal))
            .ToList();

    private static void WaitFor(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + SshdPatience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"waited {SshdPatience} for {what}");
            }
            Thread.Sleep(200);
        }
    }

    private static CommandResult RunScript(TimeSpan timeout, params string[] arguments) =>
        Run(Repository.PathOf("scripts/remote-host"), arguments, timeout);

    /// <summary>Runs <paramref name="program"/> with <paramref name="arguments"/> as a list, never through a shell, and
    /// ends it, and what it started, if it outlives <paramref name="timeout"/>.</summary>
    private static CommandResult Run(string program, IReadOnlyList<string> arguments, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null) =>
        new TestCommand(program, arguments)
        {
            Environment = environment?.ToDictionary(pair => pair.Key, string? (pair) => pair.Value) ?? [],
            TimeLimit = timeout,
        }.Run();
}
