using Miniguest.Core;
using Miniguest.Libvirt;

namespace Miniguest.Tests.Unit;

/// <summary>An embedder catches one root per library.</summary>
public sealed class ExceptionTests
{
    [TestCase(typeof(MiniguestException))]
    [TestCase(typeof(LibvirtException))]
    public void Every_public_exception_of_a_library_derives_from_its_root(Type root)
    {
        var exceptions = root.Assembly.GetExportedTypes().Where(type => typeof(Exception).IsAssignableFrom(type)).ToList();

        Assert.That(exceptions, Has.Count.GreaterThan(3), "the library has exceptions of its own");
        Assert.That(exceptions.Where(type => !root.IsAssignableFrom(type)), Is.Empty, $"each derives from {root.Name}");
    }
}
