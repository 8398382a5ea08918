using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Xml.Linq;
using Miniguest.Libvirt;

namespace Miniguest.Tests.Packaging;

/// <summary>
/// Miniguest.Libvirt as a consumer gets it: <c>dotnet pack</c> of the project into a local feed, then a console
/// project outside the repository that references the package from that feed, builds and runs. The pack builds
/// into its own artifacts directory and the consumer restores into its own package folder, so neither the
/// repository's bin/obj nor the machine's NuGet cache sees the package.
/// </summary>
[TestFixture, Category(TestCategories.Packaging)]
public sealed class PackageConsumerTests
{
    private const string PackageId = "Miniguest.Libvirt";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(3);

    private string _work = null!;
    private string _package = null!;

    [OneTimeSetUp]
    public void Pack()
    {
        _work = Directory.CreateTempSubdirectory("mgpack-").FullName;
        var project = Path.Combine(RepositoryRoot(), PackageId, PackageId + ".csproj");
        var feed = Path.Combine(_work, "feed");
        RunDotNet(_work, nugetPackages: null, "pack", project, "-c", "Release", "-o", feed, "--artifacts-path", Path.Combine(_work, "artifacts"));
        var packages = Directory.GetFiles(feed, "*.nupkg");
        Assert.That(packages, Has.Length.EqualTo(1), "dotnet pack should make exactly one package");
        _package = packages[0];
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
            .And.Contain("ListAllDomains").And.Contain(LibvirtLibrary.PathVariable));
    }

    [Test]
    public void A_console_project_built_against_the_package_lists_the_test_drivers_domains()
    {
        string version;
        using (var archive = ZipFile.OpenRead(_package))
        {
            version = ReadNuspec(archive).Descendants().Single(e => e.Name.LocalName == "version").Value;
        }
        var consumer = Directory.CreateDirectory(Path.Combine(_work, "consumer")).FullName;
        WriteConsumer(consumer, version);

        var output = RunDotNet(consumer, Path.Combine(_work, "packages"), "run", "--project", consumer);

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

    private static void WriteConsumer(string directory, string version)
    {
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
                <PackageReference Include="{PackageId}" Version="[{version}]" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), """
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
    }

    private static XDocument ReadNuspec(ZipArchive archive)
    {
        using var nuspec = archive.Entries.Single(e => e.FullName == PackageId + ".nuspec").Open();
        return XDocument.Load(nuspec);
    }

    /// <summary>The checkout: the nearest directory above the test assembly that holds Miniguest.sln.</summary>
    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Miniguest.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"no Miniguest.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>Runs the dotnet CLI and returns its standard output; fails the test with everything it printed
    /// when it exits non-zero or takes longer than <see cref="CommandTimeout"/>. A <paramref name="nugetPackages"/>
    /// folder replaces the machine's NuGet cache for that command.</summary>
    private static string RunDotNet(string workingDirectory, string? nugetPackages, params string[] arguments)
    {
        // DOTNET_HOST_PATH is the dotnet that runs these tests; outside `dotnet test`, the one on PATH.
        var startInfo = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        // No compiler or MSBuild server outlives the test.
        startInfo.ArgumentList.Add("--disable-build-servers");
        // `dotnet test` points MSBuild at the SDK that built the tests; the commands started here pick their own.
        foreach (var name in new[] { "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildLoadMicrosoftTargetsReadOnly" })
        {
            startInfo.Environment.Remove(name);
        }
        if (nugetPackages is not null)
        {
            startInfo.Environment["NUGET_PACKAGES"] = nugetPackages;
        }
        startInfo.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        startInfo.Environment["DOTNET_NOLOGO"] = "1";

        var printed = new StringBuilder();
        var standardOutput = new StringBuilder();
        using var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => Append(e.Data, standardOutput);
        process.ErrorDataReceived += (_, e) => Append(e.Data, null);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(CommandTimeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"dotnet {string.Join(' ', arguments)} took longer than {CommandTimeout}:\n{Snapshot()}");
        }
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            Assert.Fail($"dotnet {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{Snapshot()}");
        }
        lock (printed)
        {
            return standardOutput.ToString();
        }

        void Append(string? line, StringBuilder? alsoTo)
        {
            if (line is null)
            {
                return;
            }
            lock (printed)
            {
                printed.AppendLine(line);
                alsoTo?.AppendLine(line);
            }
        }

        string Snapshot()
        {
            lock (printed)
            {
                return printed.ToString();
            }
        }
    }
}
