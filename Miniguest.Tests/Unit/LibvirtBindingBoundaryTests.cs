using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using Miniguest.Libvirt;

namespace Miniguest.Tests.Unit;

/// <summary>
/// Miniguest.Libvirt wraps libvirt and nothing else: what it calls natively is libvirt (and libxml2, whose error
/// printing it can silence), and no host policy hides in it. Read from the compiled assembly, so generated
/// code counts too.
/// </summary>
public sealed class LibvirtBindingBoundaryTests
{
    private static readonly string[] NativeLibraries = ["libvirt.so.0", "libxml2.so.2"];

    [Test]
    public void The_binding_calls_only_libvirt_and_libxml2()
    {
        var imports = NativeImports();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(imports.Select(i => i.Library).Distinct(), Is.SubsetOf(NativeLibraries));
            Assert.That(imports.Select(i => i.Function), Has.Some.EqualTo("virConnectOpen"),
                "the imports were not read: libvirt's connect call is missing from them");
            Assert.That(imports.Where(i => i.Library == "libvirt.so.0").Select(i => i.Function), Has.All.StartWith("vir"));
        }
    }

    [Test]
    public void The_binding_names_neither_the_nix_store_nor_proc()
    {
        var literals = StringLiterals();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(literals, Has.Some.Contains("urn:miniguest:domain"), "the literals were not read: the metadata namespace is missing");
            Assert.That(literals, Has.None.Contains("/nix/store"), "the store's directory is Miniguest.Core's to give");
            Assert.That(literals, Has.None.StartsWith("/proc"), "reading the host's state is Miniguest.Core's");
        }
    }

    private static List<(string Library, string Function)> NativeImports()
    {
        using var pe = new PEReader(File.OpenRead(typeof(Connection).Assembly.Location));
        var metadata = pe.GetMetadataReader();
        var imports = new List<(string, string)>();
        foreach (var handle in metadata.MethodDefinitions)
        {
            var import = metadata.GetMethodDefinition(handle).GetImport();
            if (!import.Module.IsNil)
            {
                imports.Add((metadata.GetString(metadata.GetModuleReference(import.Module).Name), metadata.GetString(import.Name)));
            }
        }
        return imports;
    }

    private static List<string> StringLiterals()
    {
        using var pe = new PEReader(File.OpenRead(typeof(Connection).Assembly.Location));
        var metadata = pe.GetMetadataReader();
        var literals = new List<string>();
        for (var handle = MetadataTokens.UserStringHandle(1); !handle.IsNil; handle = metadata.GetNextHandle(handle))
        {
            literals.Add(metadata.GetUserString(handle));
        }
        return literals;
    }
}
