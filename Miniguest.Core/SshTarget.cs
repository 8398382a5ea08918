using System.Diagnostics;

namespace Miniguest.Core;

/// <summary>
/// Another host, reached over SSH: named by a libvirt URI whose transport is SSH (<c>qemu+ssh://root@web1/system</c>),
/// and reached by Nix and by Miniguest's own commands through the same login. Miniguest builds nothing of its own for
/// transport: libvirt carries the domains' calls, Nix the closures (<c>nix copy</c>), and <c>ssh</c> the standard streams
/// of Miniguest's agent there (<see cref="AgentConnection"/>), which works on the guests' files.
/// </summary>
/// <param name="User">The login's user; <see langword="null"/>: ssh's default.</param>
/// <param name="Host">The host name or address.</param>
/// <param name="KeyFile">The private key libvirt's <c>keyfile</c> parameter names, which Nix and ssh use too.</param>
internal sealed record SshTarget(string? User, string Host, string? KeyFile)
{
    /// <summary>The environment variable of ssh's options that Nix passes to every ssh it runs; Miniguest's own ssh
    /// commands take them too, so that one setting reaches the target for both.</summary>
    public const string SshOptionsVariable = "NIX_SSHOPTS";

    // libvirt's SSH transports; Nix and Miniguest reach the same host with OpenSSH's ssh, whatever libvirt uses.
    private static readonly string[] Transports = ["ssh", "libssh", "libssh2"];

    /// <summary><c>user@host</c>, or the host alone.</summary>
    public string Destination => User is null ? Host : $"{User}@{Host}";

    /// <summary>Nix's URI of the target's store: <c>nix-store --serve</c> over ssh, which every Nix since 2.0 and Lix
    /// speak, and which takes what a root login sends without the binary cache's signatures (<c>ssh-ng://</c> talks to
    /// the target's daemon, which wants them).</summary>
    public string NixStoreUri =>
        "ssh://" + Destination + (KeyFile is null ? "" : "?ssh-key=" + Uri.EscapeDataString(KeyFile));

    /// <summary>The target a libvirt URI names; <see langword="null"/> for a URI of this host (no SSH transport).</summary>
    /// <exception cref="InvalidDomainOptionsException">The URI has an SSH transport but names no host, or names a port,
    /// which Nix's store URIs cannot carry.</exception>
    public static SshTarget? FromLibvirtUri(string? uri)
    {
        if (uri is null || !Uri.TryCreate(uri, UriKind.Absolute, out var parsed))
        {
            return null;
        }
        var plus = parsed.Scheme.IndexOf('+', StringComparison.Ordinal);
        if (plus < 0 || !Transports.Contains(parsed.Scheme[(plus + 1)..], StringComparer.Ordinal))
        {
            return null;
        }
        if (parsed.Host.Length == 0)
        {
            throw new InvalidDomainOptionsException($"'{uri}' names no host to reach over SSH");
        }
        if (!parsed.IsDefaultPort && parsed.Port != -1)
        {
            throw new InvalidDomainOptionsException(
                $"'{uri}' names a port: give it in ssh's configuration instead (Host {parsed.Host} / Port {parsed.Port}), which libvirt and Nix both read");
        }
        var user = parsed.UserInfo.Length > 0 ? Uri.UnescapeDataString(parsed.UserInfo) : null;
        return new SshTarget(user, parsed.Host, QueryParameter(parsed, "keyfile"));
    }

    /// <summary>The URI the target's own tools name the daemon of <paramref name="uri"/> by: <c>qemu+ssh://root@web1/system</c>
    /// is <c>qemu:///system</c> there.</summary>
    internal static string UriOnTarget(string uri)
    {
        var parsed = new Uri(uri);
        return $"{parsed.Scheme[..parsed.Scheme.IndexOf('+', StringComparison.Ordinal)]}://{parsed.AbsolutePath}";
    }

    /// <summary>Runs <paramref name="arguments"/> on the target (each one quoted for the remote shell, which ssh hands
    /// them to as one line), with ssh's options from <see cref="SshOptionsVariable"/>.</summary>
    /// <param name="arguments">The command and its arguments.</param>
    /// <param name="connectTimeout">How long ssh waits for the target to answer.</param>
    /// <param name="session">The login to share, if any.</param>
    internal ProcessStartInfo Command(IReadOnlyList<string> arguments, TimeSpan connectTimeout, SshSession? session = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo("ssh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // As Nix reads it: split on white space.
        foreach (var option in (Environment.GetEnvironmentVariable(SshOptionsVariable) ?? "")
                     .Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            start.ArgumentList.Add(option);
        }
        if (KeyFile is not null)
        {
            start.ArgumentList.Add("-i");
            start.ArgumentList.Add(KeyFile);
        }
        foreach (var option in session?.Options ?? [])
        {
            start.ArgumentList.Add(option);
        }
        start.ArgumentList.Add("-o");
        start.ArgumentList.Add("BatchMode=yes");
        start.ArgumentList.Add("-o");
        start.ArgumentList.Add($"ConnectTimeout={Math.Max(1, (int)connectTimeout.TotalSeconds)}");
        start.ArgumentList.Add("-T");
        start.ArgumentList.Add(Destination);
        start.ArgumentList.Add("--");
        start.ArgumentList.Add(string.Join(' ', arguments.Select(Quote)));
        return start;
    }

    /// <summary>One word for a POSIX shell, whatever it holds.</summary>
    public static string Quote(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        return "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    private static string? QueryParameter(Uri uri, string name) =>
        uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .Where(pair => pair[0] == name && pair.Length == 2 && pair[1].Length > 0)
            .Select(pair => Uri.UnescapeDataString(pair[1]))
            .LastOrDefault();
}
