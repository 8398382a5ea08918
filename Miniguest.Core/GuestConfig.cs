using Miniguest.Libvirt.Guests;

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
public sealed record GuestConfig(GuestType GuestType, StoreShareType StoreShare)
{
    /// <summary>The file's name in a guest's build output.</summary>
    public const string FileName = "miniguest-config.json";

    /// <summary>Reads and checks a <c>miniguest-config.json</c>. Fields this version does not know are ignored.</summary>
    /// <exception cref="GuestFileException">The file is missing, does not parse, or holds wrong values.</exception>
    public static GuestConfig Load(string path)
    {
        GuestConfigJson? json;
        try
        {
            json = System.Text.Json.JsonSerializer.Deserialize(File.ReadAllBytes(path), CoreJsonContext.Default.GuestConfigJson);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GuestFileException(path, e.Message, e);
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
        return new GuestConfig(guestType, share);
    }
}

/// <summary>The JSON shape of <c>miniguest-config.json</c>.</summary>
internal sealed record GuestConfigJson(bool? Enable, string? GuestType, QemuConfigJson? Qemu);

/// <summary>The <c>qemu</c> object of <c>miniguest-config.json</c>.</summary>
internal sealed record QemuConfigJson(string? FsType);
