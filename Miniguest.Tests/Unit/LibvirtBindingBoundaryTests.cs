using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using Miniguest.Libvirt;

namespace Miniguest.Tests.Unit;

/// <summary>
/// Miniguest.Libvirt wraps libvirt and nothing else: what it calls natively is libvirt (and libxml2, whose error
/// printing it can silence), no host policy hides in it, and nothing of Miniguest's: not its domain metadata, share
/// tags or kernel line (Miniguest.Core's), nor its environment variables (the caller gives libvirt's path). Read from
/// the compiled assembly, so generated code counts too.
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
    public void The_binding_names_nothing_of_Miniguest_nor_the_nix_store_nor_proc()
    {
        var literals = StringLiterals();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(literals, Has.Some.EqualTo("libvirt.so.0"), "the literals were not read: libvirt's library name is missing");
            Assert.That(literals, Has.None.Contains("urn:miniguest"), "Miniguest's domain metadata is Miniguest.Core's");
            Assert.That(literals, Has.None.Contains("nix-store"), "the store's share tag is Miniguest.Core's");
            Assert.That(literals, Has.None.Contains("console=ttyS0").And.None.StartsWith("init="), "the kernel line is Miniguest.Core's");
            Assert.That(literals, Has.None.Contains("MINIGUEST_"), "the caller gives libvirt's path; the binding reads no variable of Miniguest's");
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

    // The strings the code loads and the string constants it declares (a const used nowhere in it is in no load).
    private static List<string> StringLiterals()
    {
        using var pe = new PEReader(File.OpenRead(typeof(Connection).Assembly.Location));
        var metadata = pe.GetMetadataReader();
        var literals = new List<string>();
        for (var handle = MetadataTokens.UserStringHandle(1); !handle.IsNil; handle = metadata.GetNextHandle(handle))
        {
            literals.Add(metadata.GetUserString(handle));
        }
        for (var row = 1; row <= metadata.GetTableRowCount(TableIndex.Constant); row++)
        {
            var constant = metadata.GetConstant(MetadataTokens.ConstantHandle(row));
            if (constant.TypeCode == ConstantTypeCode.String)
            {
                var blob = metadata.GetBlobReader(constant.Value);
                literals.Add((string)blob.ReadConstant(ConstantTypeCode.String)!);
            }
        }
        return literals;
    }
}
