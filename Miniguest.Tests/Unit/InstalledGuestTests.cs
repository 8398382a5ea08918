using Miniguest.Core;

namespace Miniguest.Tests.Unit;

/// <summary>What another host says of a guest's volumes' images is its word: taken only where each is a volume's and of
/// sizes that can be, else refused in one line, escaped.</summary>
public sealed class InstalledGuestTests
{
    private static readonly GuestName Web = GuestName.Parse("web");

    [Test]
    public void Images_of_volumes_names_and_sizes_are_taken_and_none_said_is_none()
    {
        var images = new Dictionary<string, ImageSize>(StringComparer.Ordinal) { ["data"] = new(64L << 20, 4096) };
        using (Assert.EnterMultipleScope())
        {
            Assert.That(InstalledGuest.CheckImages("web1", Web, images), Is.EqualTo(images));
            Assert.That(InstalledGuest.CheckImages("web1", Web, null), Is.Empty);
        }
    }

    [TestCase("../../etc", 1L, 1L)]
    [TestCase("data\u001b[2J\nmore", 1L, 1L)]
    [TestCase("data", -1L, 1L)]
    [TestCase("data", 1L, -4096L)]
    public void An_image_of_no_volumes_name_or_of_a_negative_size_is_refused_in_one_escaped_line(string volume, long apparent, long allocated)
    {
        var images = new Dictionary<string, ImageSize>(StringComparer.Ordinal) { [volume] = new(apparent, allocated) };
        var refused = Assert.Throws<RemoteHostException>(() => InstalledGuest.CheckImages("web1", Web, images));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(refused.Message, Does.StartWith("web1: it lists an image of 'web' that is no volume's, or of a negative size: "));
            Assert.That(refused.Message.Any(char.IsControl), Is.False, refused.Message);
        }
    }

    [Test]
    public void An_image_said_as_null_is_refused()
    {
        var images = new Dictionary<string, ImageSize>(StringComparer.Ordinal) { ["data"] = null! };
        Assert.That(() => InstalledGuest.CheckImages("web1", Web, images),
            Throws.TypeOf<RemoteHostException>().With.Message.EqualTo("web1: it lists an image of 'web' that is no volume's, or of a negative size: 'data', no bytes, none allocated"));
    }
}
