using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Xml.Linq;
using Miniguest.Core;
using Miniguest.Libvirt;
using Miniguest.Tests.Integration;
using Miniguest.Tests.Integration.Cli;

namespace Miniguest.Tests.Packaging;

/// <summary>
/// Miniguest.Libvirt as a consumer gets it: <c>dotnet pack</c> of the project into a local feed, then a console
/// project outside the repository that references the package from that feed, builds and runs. The pack builds
/// into its own artifacts directory and the consumer restores into its own package folder, so neither the
/// repository's bin/obj nor the machine's NuGet cache sees the package.
/// </summary>
[TestFixture, Category(TestCategories.Packaging), Parallelizable]
public sealed class PackageConsumerTests
{
    private const string PackageId = "Miniguest.Libvirt";
    private const string CorePackageId = "Miniguest.Core";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(3);

    private string _work = null!;
    private string _package = null!;
    private string _corePackage = null!;

    [OneTimeSetUp]
    public void Pack()
    {
        // After the CLI tests' own native compile, if it has begun: two at once on two cores slow each other, and every CLI
        // fixture waits for that one.
        NativeMiniguest.WaitIfBegun();
        _work = Directory.CreateTempSubdirectory("mgpack-").FullName;
        var feed = Path.Combine(_work, "feed");
        foreach (var id in new[] { PackageId, CorePackageId })
        {
            var project = Repository.PathOf($"{id}/{id}.csproj");
            RunDotNet(_work, nugetPackages: null, environment: null, "pack", project, "-c", "Release", "-o", feed,
                "--artifacts-path", Path.Combine(_work, "artifacts"));
        }
        var packages = Directory.GetFiles(feed, "*.nupkg");
        Assert.That(packages.Select(Path.GetFileName).ToArray(), Has.Length.EqualTo(2).And.Some.StartsWith(CorePackageId + "."),
            "dotnet pack should make one package per library");
        _package = packages.Single(p => Path.GetFileName(p).StartsWith(PackageId + ".", StringComparison.Ordinal));
        _corePackage = packages.Single(p => Path.GetFileName(p).StartsWith(CorePackageId + ".", StringComparison.Ordinal));
    }

    [OneTimeTearDown]
    public void DeleteWorkDirectory()
    {
        if (_work is not null)
        {
            Directory.Delete(_work, recursive: true);
        }
    }

    [Test]
    public void Package_holds_the_assembly_its_xml_docs_and_the_readme()
    {
        using var archive = ZipFile.OpenRead(_package);
        var entries = archive.Entries.Select(e => e.FullName).ToList();
        var metadata = ReadNuspec(archive).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string? Field(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(entries, Does.Contain($"lib/net10.0/{PackageId}.dll"));
            Assert.That(entries, Does.Contain($"lib/net10.0/{PackageId}.xml"));
            Assert.That(entries, Does.Contain("README.md"));
            Assert.That(Field("id"), Is.EqualTo(PackageId));
            Assert.That(Field("readme"), Is.EqualTo("README.md"));
            Assert.That(Field("license"), Is.EqualTo("MIT"));
            Assert.That(metadata.Elements().Single(e => e.Name.LocalName == "repository").Attribute("type")?.Value,
                Is.EqualTo("git"));
        }

        // The docs describe the public API; the readme shows the calls a newcomer needs.
        using var docs = archive.GetEntry($"lib/net10.0/{PackageId}.xml")!.Open();
        Assert.That(XDocument.Load(docs).Descendants("member").Select(m => m.Attribute("name")?.Value),
            Does.Contain("M:Miniguest.Libvirt.Connection.Open(System.String)"));
        using var readme = new StreamReader(archive.GetEntry("README.md")!.Open());
        Assert.That(readme.ReadToEnd(), Does.Contain("Connection.Open(\"test:///default\")")
            .And.Contain("ListAllDomains").And.Contain("LibvirtLibrary.Path =").And.Not.Contain("MINIGUEST_"));
    }

    [Test]
    public void The_core_package_holds_its_own_readme_and_depends_on_the_binding_of_its_version()
    {
        using var archive = ZipFile.OpenRead(_corePackage);
        var entries = archive.Entries.Select(e => e.FullName).ToList();
        var nuspec = ReadNuspec(archive);
        var dependencies = nuspec.Descendants().Where(e => e.Name.LocalName == "dependency")
            .ToDictionary(e => (string)e.Attribute("id")!, e => (string?)e.Attribute("version"));
        using var readme = new StreamReader(archive.GetEntry("README.md")!.Open());
        var readmeText = readme.ReadToEnd();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(entries, Does.Contain($"lib/net10.0/{CorePackageId}.dll").And.Contain($"lib/net10.0/{CorePackageId}.xml"));
            Assert.That(dependencies, Does.ContainKey(PackageId));
            Assert.That(dependencies.GetValueOrDefault(PackageId), Does.Contain(VersionOf(_package)));
            Assert.That(readmeText, Does.StartWith("# Miniguest.Core").And.Contain("GuestHost").And.Contain("StartWithConsoleAsync"));
        }
    }

    [Test]
    public void A_console_project_built_against_the_package_lists_the_test_drivers_domains()
    {
        var consumer = WriteConsumer("consumer", PackageId, VersionOf(_package), """
            using Miniguest.Libvirt;

            using var connection = Connection.Open("test:///default");
            Console.WriteLine($"libvirt {connection.LibraryVersion}");
            using var defined = connection.DefineDomain(
                "<domain type='test'><name>consumer</name><memory unit='MiB'>64</memory><os><type>hvm</type></os></domain>");
            foreach (var domain in connection.ListAllDomains())
            {
                using (domain)
                {
                    Console.WriteLine($"domain {domain.Name} {domain.GetState().State}");
                }
            }
            try
            {
                connection.GetDomain("missing").Dispose();
            }
            catch (DomainNotFoundException e)
            {
                Console.WriteLine($"missing: {e.Code}");
            }
            """);

        var output = RunDotNet(consumer, Path.Combine(_work, "packages"), environment: null, "run", "--project", consumer);

        using var connection = Connection.Open("test:///default");
        var lines = output.Split('\n', StringSplitOptions.TrimEntries);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(lines, Does.Contain($"libvirt {connection.LibraryVersion}"));
            Assert.That(lines, Does.Contain("domain test Running"));
            Assert.That(lines, Does.Contain("domain consumer Shutoff"));
            Assert.That(lines, Does.Contain("missing: NoDomain"));
        }
    }

    [Test]
    public void The_documented_embedding_example_built_from_the_packages_runs_a_guest_from_install_to_remove()
    {
        IntegrationEnvironment.RequireHost(Environment.UserName == "root", "the example installs and boots a guest: it needs root");
        var program = EmbeddingExample();
        Assert.That(program.Split('\n').Count(line => line.Trim().Length > 0 && !line.TrimStart().StartsWith("//", StringComparison.Ordinal)),
            Is.LessThanOrEqualTo(30), "the embedding example stays short");
        var consumer = WriteConsumer("embedding", CorePackageId, VersionOf(_corePackage), program);
        using var host = new MiniguestHost();
        var name = MiniguestHost.UniqueName("emb");
        var environment = new Dictionary<string, string>
        {
            ["MINIGUEST_GUESTS_DIR"] = host.Paths.Guests,
            ["MINIGUEST_PROFILES_DIR"] = host.Paths.Profiles,
            ["MINIGUEST_STATE_DIR"] = host.Paths.State,
            ["NIX_CONFIG"] = "substituters =\nflake-registry =", // offline, as every test builds
        };

        var output = RunDotNet(consumer, Path.Combine(_work, "packages"), environment,
            "run", "--project", consumer, "--", TestGuestFlake.Reference + "#vm", name, "miniguest-test-guest: vm is up");

        using var connection = Connection.Open("qemu:///system");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(output, Does.Contain("miniguest-test-guest: vm is up"), "the program read the guest's console");
            Assert.That(connection.TryGetDomain(name, out _), Is.False, "the program removed the guest's domain");
            Assert.That(Directory.Exists(host.Paths.GuestState(GuestName.Parse(name))), Is.False, "the program removed the guest");
            Assert.That(File.Exists(host.Paths.Link(GuestName.Parse(name))), Is.False);
        }
    }

    [Test]
    public void The_tool_installs_as_the_native_executable_of_this_platform()
    {
        var rid = RuntimeInformation.RuntimeIdentifier; // linux-x64 or linux-arm64: each has its package
        var feed = Path.Combine(_work, "tool-feed");
        var project = Repository.PathOf("Miniguest.Cli/Miniguest.Cli.csproj");
        var artifacts = Path.Combine(_work, "artifacts"); // the libraries' Release build, packed in Pack, is reused
        RunDotNet(_work, nugetPackages: null, environment: null, "pack", project, "-c", "Release", "-o", feed, "--artifacts-path", artifacts);
        RunDotNet(_work, nugetPackages: null, environment: null, "pack", project, "-c", "Release", "-r", rid, "-o", feed, "--artifacts-path", artifacts);
        var tools = Path.Combine(_work, "tools");

        RunDotNet(_work, Path.Combine(_work, "tool-packages"), environment: null,
            "tool", "install", "Miniguest.Cli", "--tool-path", tools, "--add-source", feed, "--version", VersionOf(_package));

        var command = Path.Combine(tools, "miniguest");
        var magic = new byte[4];
        using (var executable = File.OpenRead(command))
        {
            executable.ReadExactly(magic);
        }
        using (Assert.EnterMultipleScope())
        {
            Assert.That(new FileInfo(command).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? command, Does.Contain(rid),
                "the package of this platform was installed");
            Assert.That(magic, Is.EqualTo("\u007fELF"u8.ToArray()), "the command is a native executable, not a launcher of a .dll");
            Assert.That(TestCommand.Ok(command, "--version").Out, Does.StartWith(VersionOf(_package)));
        }
    }

    /// <summary>The program docs/embedding.md shows as the embedding example: the C# block after its marker comment.</summary>
    private static string EmbeddingExample()
    {
        const string Marker = "<!-- The embedding example: the Packaging tests build and run this program. -->";
        var page = File.ReadAllText(Repository.PathOf("docs/embedding.md"));
        var at = page.IndexOf(Marker, StringComparison.Ordinal);
        Assert.That(at, Is.GreaterThanOrEqualTo(0), "docs/embedding.md has no embedding example");
        var start = page.IndexOf("```csharp\n", at, StringComparison.Ordinal) + "```csharp\n".Length;
        return page[start..page.IndexOf("```", start, StringComparison.Ordinal)];
    }

    private static string VersionOf(string package)
    {
        using var archive = ZipFile.OpenRead(package);
        return ReadNuspec(archive).Descendants().Single(e => e.Name.LocalName == "version").Value;
    }

    /// <summary>A console project outside the repository that references <paramref name="packageId"/> from the local
    /// feed; returns its directory.</summary>
    private string WriteConsumer(string name, string packageId, string version, string program)
    {
        var directory = Directory.CreateDirectory(Path.Combine(_work, name)).FullName;
        // Empty build files stop MSBuild from looking further up for a Directory.Build.props; the local feed
        // comes first, and the machine's own sources stay for everything else.
        File.WriteAllText(Path.Combine(directory, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(directory, "nuget.config"), """
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="miniguest-local" value="../feed" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(directory, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="{packageId}" Version="[{version}]" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), program);
        return directory;
    }

    private static XDocument ReadNuspec(ZipArchive archive)
    {
        using var nuspec = archive.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        return XDocument.Load(nuspec);
    }

    private static string RunDotNet(string workingDirectory, string? nugetPackages, IReadOnlyDictionary<string, string>? environment,
        params string[] arguments) =>
        DotNetCli.Run(workingDirectory, CommandTimeout, nugetPackages, environment, arguments);
}
