using System.Globalization;

namespace Miniguest.Core;

/// <summary>A guest installed on a host, as its files there show it (<see cref="IGuestFiles.ShowAsync"/>).</summary>
/// <param name="Current">Its current generation.</param>
/// <param name="VolumeImages">The sizes of its volumes' images there, by volume name (<see cref="GuestVolumes.ImageSizes"/>).</param>
internal sealed record InstalledGuest(Generation Current, IReadOnlyDictionary<string, ImageSize> VolumeImages)
{
    /// <summary>What <paramref name="host"/> said of the images of guest <paramref name="name"/>'s volumes, checked: each of a
    /// volume's name, no size negative (nor missing: JSON may say null); none where it said nothing.</summary>
    /// <exception cref="RemoteHostException">An image is not so.</exception>
    public static IReadOnlyDictionary<string, ImageSize> CheckImages(string host, GuestName name, IReadOnlyDictionary<string, ImageSize>? images)
    {
        var checkedImages = new Dictionary<string, ImageSize>(StringComparer.Ordinal);
        foreach (var (volume, size) in images ?? new Dictionary<string, ImageSize>())
        {
            checkedImages[volume] = GuestVolume.IsName(volume) && size is { ApparentBytes: >= 0, AllocatedBytes: >= 0 }
                ? size
                : throw new RemoteHostException(host, $"it lists an image of '{name}' that is no volume's, or of a negative size: '{volume}', "
                    + $"{size?.ApparentBytes.ToString(CultureInfo.InvariantCulture) ?? "no"} bytes, "
                    + $"{size?.AllocatedBytes.ToString(CultureInfo.InvariantCulture) ?? "none"} allocated");
        }
        return checkedImages;
    }
}
