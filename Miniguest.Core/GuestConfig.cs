
namespace Miniguest.Core;

/// <summary>What kind of guest a NixOS configuration builds (<c>boot.miniguest.guestType</c>).</summary>
public enum GuestType
{
    /// <summary>A VM booted by QEMU (<c>"qemu"</c>).</summary>
    Qemu,

    /// <summary>A libvirt-LXC container (<c>"lxc"</c>).</summary>
    Lxc,
}

/// <summary>A guest's <c>miniguest-config.json</c>: its <c>boot.miniguest</c> options as the module wrote them.</summary>
/// <param name="GuestType">A VM or a container.</param>
/// <param name="StoreShare">How a VM mounts the store and its other shares.</param>
public sealed record GuestConfig(GuestType GuestType, StoreShareType StoreShare)
{
    /// <summary>The host directories the guest mounts, in the order of their tags (<c>boot.miniguest.shares</c>).</summary>
    public ValueList<GuestShare> Shares { get; init; } = [];

    /// <summary>The block devices the guest formats and mounts, in the order of their names (<c>boot.miniguest.volumes</c>).</summary>
    public ValueList<GuestVolume> Volumes { get; init; } = [];

    /// <summary>The file's name in a guest's build output.</summary>
    public const string FileName = "miniguest-config.json";

    /// <summary>Reads and checks a <c>miniguest-config.json</c>. Fields this version does not know are ignored.</summary>
    /// <exception cref="GuestFileException">The file is missing, does not parse, or holds wrong values.</exception>
    public static GuestConfig Load(string path) => Parse(SmallFile.ReadOfGuest(path), path);

    /// <summary>Checks the text of a <c>miniguest-config.json</c> read from <paramref name="path"/> (another host's, say).</summary>
    /// <exception cref="GuestFileException">It does not parse, or holds wrong values.</exception>
    public static GuestConfig Parse(ReadOnlySpan<byte> utf8Json, string path)
    {
        GuestConfigJson? json;
        try
        {
            json = System.Text.Json.JsonSerializer.Deserialize(utf8Json, CoreJsonContext.Default.GuestConfigJson);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new GuestFileException(path, $"not valid JSON ({e.Message})", e);
        }
        if (json is null)
        {
            throw new GuestFileException(path, "holds null instead of an object");
        }
        if (json.Enable != true)
        {
            throw new GuestFileException(path, "\"enable\" is not true: the configuration does not enable boot.miniguest");
        }
        var guestType = json.GuestType switch
        {
            "qemu" => GuestType.Qemu,
            "lxc" => GuestType.Lxc,
            null => throw new GuestFileException(path, "\"guestType\" is missing"),
            var other => throw new GuestFileException(path, $"\"guestType\" is \"{other}\"; expected \"qemu\" or \"lxc\""),
        };
        var share = json.Qemu?.FsType switch
        {
            "9p" or null => StoreShareType.NineP,
            "virtiofs" => StoreShareType.Virtiofs,
            var other => throw new GuestFileException(path, $"\"qemu.fsType\" is \"{other}\"; expected \"9p\" or \"virtiofs\""),
        };
        var shares = ReadShares(path, json.Shares, guestType, share);
        return new GuestConfig(guestType, share) { Shares = shares, Volumes = ReadVolumes(path, json.Volumes, shares) };
    }

    private static ValueList<GuestShare> ReadShares(string path, List<ShareJson?>? shares, GuestType type, StoreShareType share)
    {
        var read = new List<GuestShare>();
        foreach (var json in shares ?? [])
        {
            GuestShare guestShare;
            try
            {
                guestShare = json is null ? throw new FormatException("a share is null") : GuestShare.Create(json.Tag, json.MountPoint, json.Source, json.ReadOnly ?? false);
            }
            catch (FormatException e)
            {
                throw new GuestFileException(path, $"\"shares\": {e.Message}", e);
            }
            if (read.Any(other => other.Tag == guestShare.Tag))
            {
                throw new GuestFileException(path, $"\"shares\": the tag '{guestShare.Tag}' is given twice");
            }
            if (read.Any(other => other.MountPoint == guestShare.MountPoint))
            {
                throw new GuestFileException(path, $"\"shares\": two shares are mounted at {guestShare.MountPoint}");
            }
            // libvirt cannot make a virtiofs share read-only: the guest could remount it writable.
            if (guestShare.ReadOnly && type == GuestType.Qemu && share == StoreShareType.Virtiofs)
            {
                throw new GuestFileException(path, $"\"shares\": '{guestShare.Tag}' is read-only, which virtiofs cannot enforce; share it over 9p or writable");
            }
            read.Add(guestShare);
        }
        return read.OrderBy(s => s.Tag, StringComparer.Ordinal).ToValueList();
    }

    private static ValueList<GuestVolume> ReadVolumes(string path, List<VolumeJson?>? volumes, ValueList<GuestShare> shares)
    {
        // One virtio disk each, vda to vdz.
        if (volumes?.Count > 26)
        {
            throw new GuestFileException(path, $"\"volumes\": {volumes.Count} volumes; a guest has at most 26");
        }
        var read = new List<GuestVolume>();
        foreach (var json in volumes ?? [])
        {
            GuestVolume volume;
            try
            {
                volume = json is null ? throw new FormatException("a volume is null") : GuestVolume.Create(json.Name, json.MountPoint, json.SizeMiB, json.FsType);
            }
            catch (FormatException e)
            {
                throw new GuestFileException(path, $"\"volumes\": {e.Message}", e);
            }
            if (read.Any(other => other.Name == volume.Name))
            {
                throw new GuestFileException(path, $"\"volumes\": the name '{volume.Name}' is given twice");
            }
            if (read.Any(other => other.MountPoint == volume.MountPoint) || shares.Any(other => other.MountPoint == volume.MountPoint))
            {
                throw new GuestFileException(path, $"\"volumes\": volume '{volume.Name}' is mounted at {volume.MountPoint}, where another volume or a share is");
            }
            read.Add(volume);
        }
        return read.OrderBy(v => v.Name, StringComparer.Ordinal).ToValueList();
    }
}

/// <summary>The JSON shape of <c>miniguest-config.json</c>.</summary>
internal sealed record GuestConfigJson(bool? Enable, string? GuestType, QemuConfigJson? Qemu, List<ShareJson?>? Shares, List<VolumeJson?>? Volumes);

/// <summary>One of the <c>volumes</c> of <c>miniguest-config.json</c>.</summary>
internal sealed record VolumeJson(string? Name, string? MountPoint, long? SizeMiB, string? FsType);

/// <summary>One of the <c>shares</c> of <c>miniguest-config.json</c>.</summary>
internal sealed record ShareJson(string? Tag, string? MountPoint, string? Source, bool? ReadOnly);

/// <summary>The <c>qemu</c> object of <c>miniguest-config.json</c>.</summary>
internal sealed record QemuConfigJson(string? FsType);
