namespace Miniguest.Tests.Integration;

/// <summary>What the test guest's init says about its attempt, as root, to write to the host's store, and the file
/// it tries to create there.</summary>
internal static class StoreProbe
{
    public const string Refused = "miniguest-test-guest: store-write=refused";

    public const string Succeeded = "miniguest-test-guest: store-write=succeeded";

    /// <summary>The file the test guest of <paramref name="variant"/> tries to create in the host's store.</summary>
    public static string FileFor(string variant) => $"/nix/store/miniguest-write-probe-{variant}";

    /// <summary>Asserts that the guest reported a refused write and the host's store holds no probe file.</summary>
    public static void AssertRefused(IReadOnlyList<string> console, string variant)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(console, Has.Some.EqualTo(Refused), "the guest's console");
            Assert.That(console, Has.None.EqualTo(Succeeded), "the guest's console");
            Assert.That(File.Exists(FileFor(variant)), Is.False, "the guest wrote into the host's store");
        }
    }

    /// <summary>Removes a probe file a guest managed to write, so that one failure does not fail later runs.</summary>
    public static void Remove(string variant) => File.Delete(FileFor(variant));
}
