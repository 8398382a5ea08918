using Miniguest.Core;

namespace Miniguest.Tests.Unit;

public sealed class InstallableReferenceTests
{
    [TestCase("web")]
    [TestCase("vm-virtiofs_2")]
    public void An_attribute_that_names_a_guest_as_it_is_is_offered(string attribute) =>
        Assert.That(InstallableReference.IsGuestAttribute(attribute), Is.True);

    [TestCase("x$(touch ran)")]
    [TestCase("v*")]
    [TestCase("two words")]
    [TestCase("web\n")]
    [TestCase("-web")]
    [TestCase("web-1-link")]
    [TestCase("a.b")] // FLAKEREF#a.b names nixosConfigurations.a.b
    [TestCase("")]
    public void An_attribute_a_guest_cannot_have_or_that_reads_as_a_path_is_not(string attribute) =>
        Assert.That(InstallableReference.IsGuestAttribute(attribute), Is.False);
}
