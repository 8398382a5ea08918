using Miniguest.Core;
using Miniguest.Libvirt;
using Miniguest.Tests.Integration.Cli;

namespace Miniguest.Tests.Integration.Reliability;

/// <summary>This suite's domains on libvirtd, and the checks that a <see cref="MiniguestHost"/> layout is consistent after a
/// command (its files, byte for byte, are <see cref="HostSnapshot.Files"/>).</summary>
internal static class HostState
{
    public static readonly string[] Uris = ["qemu:///system", "lxc:///"];

    /// <summary>The domains on both drivers whose names start with <paramref name="prefix"/>: name, UUID and
    /// persistent XML, so that a changed definition shows.</summary>
    public static IReadOnlyList<string> Domains(string prefix)
    {
        var domains = new List<string>();
        foreach (var uri in Uris)
        {
            using var connection = Connection.Open(uri);
            foreach (var domain in connection.ListAllDomains())
            {
                using (domain)
                {
                    try
                    {
                        if (domain.Name.StartsWith(prefix, StringComparison.Ordinal))
                        {
                            domains.Add($"{uri} {domain.Name} {domain.Uuid} active={domain.IsActive}\n{domain.GetXml(DomainXmlFlags.Inactive)}");
                        }
                    }
                    catch (LibvirtException)
                    {
                        // Another suite's transient domain went away while we looked.
                    }
                }
            }
        }
        domains.Sort(StringComparer.Ordinal);
        return domains;
    }

    /// <summary>What is inconsistent on <paramref name="host"/>: links that do not lead through the guest's profile
    /// to an existing generation, generations without a profile, and domains of Miniguest named
    /// <paramref name="prefix"/>… that belong to no guest; and, unless <paramref name="leftoversAllowed"/>, what a
    /// command cut short leaves for the next one to clear (<see cref="Leftovers"/>). Empty when all is well.</summary>
    public static IReadOnlyList<string> Problems(MiniguestHost host, string prefix, bool leftoversAllowed = false)
    {
        var problems = leftoversAllowed ? [] : Leftovers(host).Select(leftover => "left behind: " + leftover).ToList();
        var paths = host.Paths;
        var guests = new GuestStore(paths).Names();
        if (Directory.Exists(paths.Guests))
        {
            foreach (var link in new DirectoryInfo(paths.Guests).EnumerateFileSystemInfos())
            {
                if (DirectoryHandle.IsTemporaryName(link.Name))
                {
                    continue; // a leftover, counted above
                }
                if (link.LinkTarget?.StartsWith("/nix/store/", StringComparison.Ordinal) == true)
                {
                    continue; // a guest a NixOS host declares, linked straight into the store
                }
                // Every name there, a guest's or not: the profile of that name.
                var profile = Path.Combine(paths.Profiles, link.Name);
                if (link.LinkTarget != profile)
                {
                    problems.Add($"{link.Name}: link points at {link.LinkTarget ?? "(not a link)"}, not its profile");
                }
                else if (new FileInfo(profile).LinkTarget is not { } generation)
                {
                    problems.Add($"{link.Name}: link to a missing profile");
                }
                else if (!Directory.Exists(Path.Combine(paths.Profiles, generation)) || !File.Exists(Path.Combine(link.FullName, "manifest.json")))
                {
                    problems.Add($"{link.Name}: profile points at {generation}, which does not lead to a built guest");
                }
            }
        }
        if (Directory.Exists(paths.Profiles))
        {
            foreach (var entry in new DirectoryInfo(paths.Profiles).EnumerateFileSystemInfos())
            {
                if (entry.Name.StartsWith('.'))
                {
                    continue; // staging profiles and temporary links: leftovers, counted above
                }
                if (entry.Name.EndsWith("-link", StringComparison.Ordinal))
                {
                    var profile = Path.Combine(paths.Profiles, entry.Name[..entry.Name.LastIndexOf('-', entry.Name.Length - "-link".Length - 1)]);
                    if (!File.Exists(profile) && !Directory.Exists(profile))
                    {
                        problems.Add($"generation {entry.Name} of no profile");
                    }
                    if (!Directory.Exists(entry.FullName))
                    {
                        problems.Add($"generation {entry.Name} points at a missing store path");
                    }
                }
                else if (!Directory.Exists(entry.FullName))
                {
                    problems.Add($"profile {entry.Name} points at a missing generation");
                }
            }
        }
        foreach (var domain in Domains(prefix))
        {
            var head = domain[..domain.IndexOf('\n', StringComparison.Ordinal)].Split(' ');
            if (domain.Contains(GuestMetadata.Namespace, StringComparison.Ordinal) && !guests.Any(guest => guest.Value == head[1]))
            {
                problems.Add($"domain {head[1]} on {head[0]} belongs to no guest");
            }
        }
        foreach (var problem in problems)
        {
            TestContext.Out.WriteLine("inconsistent: " + problem);
        }
        return problems;
    }

    /// <summary>What a command cut short leaves and the next command on the guest clears: staging profiles and their
    /// generations, the links Nix makes while it switches a profile (<c>.N_NAME</c>), and Miniguest's temporary files
    /// and links (<c>.NAME.tmp</c>) among the guest links, profiles and guests' state.</summary>
    public static IReadOnlyList<string> Leftovers(MiniguestHost host)
    {
        var paths = host.Paths;
        var stateDirectories = Directory.Exists(Path.Combine(paths.State, "guests")) ? Directory.GetDirectories(Path.Combine(paths.State, "guests")) : [];
        return new[] { paths.Guests, paths.Profiles }.Concat(stateDirectories)
            .Where(Directory.Exists)
            .SelectMany(directory => new DirectoryInfo(directory).EnumerateFileSystemInfos())
            .Where(entry => entry.Name.StartsWith('.'))
            .Select(entry => Path.GetRelativePath(host.Root, entry.FullName))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The guests whose domain is not defined with their current generation (Miniguest's metadata names
    /// another store path): what a command that changed a generation must never leave, once it completed.</summary>
    public static IReadOnlyList<string> DomainsBehind(MiniguestHost host)
    {
        var behind = new List<string>();
        var store = new GuestStore(host.Paths);
        foreach (var name in store.Names())
        {
            var uriFile = host.Paths.ConnectionUriFile(name);
            if (!File.Exists(uriFile))
            {
                continue;
            }
            using var connection = Connection.Open(File.ReadAllText(uriFile).Trim());
            if (connection.TryGetDomain(name.Value, out var domain))
            {
                using (domain)
                {
                    var defined = DomainXml.ReadMetadata(domain.GetXml(DomainXmlFlags.Inactive))?.StorePath;
                    if (defined != store.Get(name).StorePath)
                    {
                        behind.Add($"{name}: its domain is defined with {defined}, its link leads to {store.Get(name).StorePath}");
                    }
                }
            }
        }
        return behind;
    }

    /// <summary>Defines a minimal QEMU domain without Miniguest's metadata, as another tool would.</summary>
    public static Domain DefineForeignDomain(Connection connection, string name) =>
        connection.DefineDomain(
            $"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory><os><type arch='x86_64' machine='pc'>hvm</type></os></domain>");

    /// <summary>Destroys and undefines every domain named <paramref name="prefix"/>… on both drivers: the suite's
    /// clean-up after a case that may have left one.</summary>
    public static void RemoveDomains(string prefix)
    {
        foreach (var uri in Uris)
        {
            using var connection = Connection.Open(uri);
            foreach (var domain in connection.ListAllDomains())
            {
                try
                {
                    if (domain.Name.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        GuestRun.Remove(domain);
                        continue;
                    }
                }
                catch (LibvirtException)
                {
                    // Gone meanwhile.
                }
                domain.Dispose();
            }
        }
    }
}
