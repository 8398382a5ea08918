using Miniguest.Core;

namespace Miniguest.Tests.Unit;

/// <summary>What completing a guest's name or generation asks of <see cref="GuestHost"/>: the guests' names and a
/// guest's generations, read from the guests' files alone.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class GuestNamesTests
{
    private TemporaryLayout _layout = null!;

    [SetUp]
    public void CreateLayout() => _layout = new TemporaryLayout("miniguest-guest-names-");

    [TearDown]
    public void DeleteLayout() => _layout.Dispose();

    [Test]
    public void Names_and_generations_are_read_from_the_profiles()
    {
        Profile("web", 1, 2, 10);
        Profile("db", 3);
        var host = new GuestHost(new GuestHostOptions { Paths = _layout.Paths });

        using (Assert.EnterMultipleScope())
        {
            Assert.That(host.GuestNames(), Is.EqualTo(new[] { "db", "web" }));
            Assert.That(host.GenerationNumbers("web"), Is.EqualTo(new[] { 1, 2, 10 }));
            Assert.That(host.GenerationNumbers("db"), Is.EqualTo(new[] { 3 }));
        }
    }

    [Test]
    public void No_guests_directory_names_no_guest_and_a_guest_not_installed_has_no_generations_to_offer()
    {
        var host = new GuestHost(new GuestHostOptions { Paths = _layout.Paths });

        using (Assert.EnterMultipleScope())
        {
            Assert.That(host.GuestNames(), Is.Empty);
            Assert.That(() => host.GenerationNumbers("web"), Throws.TypeOf<GuestNotFoundException>());
        }
    }

    // A guest's profile as nix profile leaves it: a link per generation, and the profile leading to the last.
    private void Profile(string name, params int[] generations)
    {
        Directory.CreateDirectory(_layout.Paths.Profiles);
        foreach (var number in generations)
        {
            File.CreateSymbolicLink(Path.Combine(_layout.Paths.Profiles, $"{name}-{number}-link"), $"/nix/store/{name}-{number}-profile");
        }
        File.CreateSymbolicLink(_layout.Paths.Profile(GuestName.Parse(name)), $"{name}-{generations[^1]}-link");
    }
}
