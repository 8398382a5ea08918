using System.Text.RegularExpressions;

namespace Miniguest.Core;

/// <summary>
/// A guest's systemd credentials, the secrets its services read through <c>LoadCredential=</c>, as Miniguest keeps them:
/// copies in the guest's state (<see cref="MiniguestPaths.Credentials"/>), each a file named by its ID, mode 0400 in a
/// directory of mode 0700, both the guest's root's (the mapped root for a container in a user namespace), so that no host
/// user but root reads them, nothing of them is in the store or a domain's XML, and a source file removed or changed since
/// does not break a start. A VM gets each as a QEMU fw_cfg entry backed by its file; a container gets the directory bound
/// read-only, named by <c>CREDENTIALS_DIRECTORY</c> in its init's environment. The guest's root writes nothing there; the
/// directory is still only ever reached through <see cref="DirectoryHandle"/>.
/// </summary>
public static partial class GuestCredentials
{
    /// <summary>Where systemd looks for credentials among QEMU's fw_cfg entries.</summary>
    internal const string FwCfgPrefix = "opt/io.systemd.credentials/";

    /// <summary>Where a container sees its credentials.</summary>
    internal const string ContainerDirectory = "/.miniguest-credentials";

    /// <summary>The environment variable that names a container's credentials to its init, as systemd reads it.</summary>
    internal const string DirectoryVariable = "CREDENTIALS_DIRECTORY";

    /// <summary>The largest credential: systemd's own limit.</summary>
    public const int MaxBytes = 1024 * 1024;

    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute; // 0700
    private const UnixFileMode FileMode = UnixFileMode.UserRead; // 0400

    /// <summary><paramref name="id"/>, checked: 1 to 28 letters, digits, <c>_</c>, <c>.</c> and <c>-</c>, not starting
    /// with <c>.</c> or <c>-</c> (QEMU's fw_cfg names are at most 55 bytes, <see cref="FwCfgPrefix"/> included).</summary>
    /// <exception cref="FormatException">It is not a credential's ID.</exception>
    public static string RequireId(string? id) =>
        id is not null && IdPattern().IsMatch(id)
            ? id
            : throw new FormatException($"'{id}' is not a credential ID (1 to 28 letters, digits, _, . and -, not starting with . or -)");

    /// <summary>Reads a credential's content from <paramref name="stream"/> (<paramref name="what"/> names it in errors), at most
    /// <see cref="MaxBytes"/>.</summary>
    /// <exception cref="IOException">It is larger, or cannot be read.</exception>
    public static async Task<byte[]> ReadAsync(Stream stream, string what, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var content = new MemoryStream();
        var buffer = new byte[81920];
        for (int read; (read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0;)
        {
            content.Write(buffer, 0, read);
            if (content.Length > MaxBytes)
            {
                throw new IOException($"{what}: larger than {MaxBytes} bytes, systemd's limit for a credential");
            }
        }
        return content.ToArray();
    }

    /// <summary>Reads the credential in the file at <paramref name="path"/> (<paramref name="what"/> names it in errors), at
    /// most <see cref="MaxBytes"/>, where root alone can change what that path leads to: every directory on the way, and
    /// every link, is root's and no one else may write in it, and the file is root's and no one else may write it. Root
    /// hands what it reads to a guest: a path a local user could swap would have root hand the guest any file of the host.</summary>
    /// <exception cref="IOException">Someone else than root can change it, it is missing, or it cannot be read.</exception>
    public static async Task<byte[]> ReadFileAsync(string path, string what, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        await using var file = File.OpenRead(RootsOwn(Path.GetFullPath(path), what, links: 0));
        return await ReadAsync(file, what, cancellationToken).ConfigureAwait(false);
    }

    // Where path really is, provided root alone can change that; links followed one by one, each checked the same way.
    private static string RootsOwn(string path, string what, int links)
    {
        var (problem, directory) = ShareSourceGuard.WhoElseCanChange(Path.GetDirectoryName(path) ?? "/", leafOwners: [0u]);
        if (problem is not null)
        {
            throw new IOException($"{what}: {path}: {problem}: root reads a credential only where no one else can change it");
        }
        var entry = Path.Combine(directory, Path.GetFileName(path));
        return FileStatus.OfEntry(entry) switch
        {
            null => throw new IOException($"{what}: {path} does not exist"),
            { Kind: FileKind.SymbolicLink } when links < 40 =>
                RootsOwn(Path.GetFullPath(new FileInfo(entry).LinkTarget ?? "", directory), what, links + 1),
            { Kind: FileKind.Other, Uid: 0, WritableByOthers: false } => entry,
            { Kind: FileKind.Other } status => throw new IOException(
                $"{what}: {entry} is uid {status.Uid}'s, mode {status.OctalMode}: root reads a credential only from a file no one else can write"),
            _ => throw new IOException($"{what}: {entry} is not a file"),
        };
    }

    /// <summary>The IDs of the guest's credentials, sorted.</summary>
    internal static IReadOnlyList<string> Ids(MiniguestPaths paths, GuestName name)
    {
        using var state = DirectoryHandle.TryOpen(paths.GuestState(name));
        using var credentials = state?.TryOpenDirectory(Path.GetFileName(paths.Credentials(name)));
        return [.. (credentials?.Names() ?? []).Where(IsId).Order(StringComparer.Ordinal)];
    }

    /// <summary>The IDs a guest that has <paramref name="existing"/> has once <paramref name="changes"/> are made, sorted.</summary>
    internal static IReadOnlyList<string> After(IEnumerable<string> existing, IReadOnlyDictionary<string, byte[]?>? changes) =>
        [.. existing.Where(id => changes is null || !changes.ContainsKey(id))
            .Concat(changes?.Where(change => change.Value is not null).Select(change => change.Key) ?? [])
            .Order(StringComparer.Ordinal)];

    /// <summary>Makes <paramref name="changes"/> to the guest's credentials (a content replaces or adds one, a
    /// <see langword="null"/> takes one away), and gives the directory and every credential in it to the guest's root:
    /// <paramref name="ids"/>' mapped root for a container in a user namespace, else host root.</summary>
    /// <exception cref="IOException">A file cannot be written, or given its owner (not root).</exception>
    internal static void Write(MiniguestPaths paths, GuestName name, IReadOnlyDictionary<string, byte[]?>? changes, UserNamespaceMapping? ids)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var owner = ids is null ? (0u, 0u) : (ids.UidTarget, ids.GidTarget);
        if ((changes is null || changes.Count == 0) && Ids(paths, name).Count == 0)
        {
            return;
        }
        using var guest = DirectoryHandle.OpenOrCreate(paths.GuestState(name), GuestStateDirectory.DirectoryMode);
        using var credentials = guest.CreateDirectory(Path.GetFileName(paths.Credentials(name)), DirectoryMode);
        credentials.SetMode(DirectoryMode);
        credentials.ChangeOwner(owner.Item1, owner.Item2);
        foreach (var (id, content) in changes ?? new Dictionary<string, byte[]?>())
        {
            if (content is null)
            {
                credentials.Delete(RequireId(id));
            }
            else
            {
                credentials.WriteFile(RequireId(id), content, FileMode, owner);
            }
        }
        foreach (var id in credentials.Names().Where(IsId))
        {
            credentials.ChangeOwner(id, owner.Item1, owner.Item2);
        }
    }

    /// <summary>Whether <paramref name="name"/> is a credential's ID (<see cref="RequireId"/>).</summary>
    internal static bool IsId(string name) => IdPattern().IsMatch(name);

    [GeneratedRegex(@"\A[A-Za-z0-9_][A-Za-z0-9_.-]{0,27}\z")]
    private static partial Regex IdPattern();
}
