using System.Text.RegularExpressions;

namespace Miniguest.Tests.Libvirt;

/// <summary>
/// The committed <c>ErrorCodes.cs</c> is what <c>scripts/generate-error-codes</c> makes from the installed
/// libvirt-dev headers: byte for byte when the headers are of the libvirt it was generated from, and every
/// committed code with its value otherwise (libvirt only appends).
/// </summary>
[TestFixture, Category(TestCategories.Libvirt)]
public sealed partial class ErrorCodesTests
{
    private const string Committed = "Miniguest.Libvirt/ErrorCodes.cs";
    private const string Headers = "/usr/include/libvirt";

    [Test]
    public void The_committed_error_codes_are_what_the_installed_headers_give()
    {
        Assert.That(File.Exists(Path.Combine(Headers, "virterror.h")), Is.True,
            $"{Headers}/virterror.h is missing: scripts/setup-host installs libvirt-dev");
        var generated = Path.Combine(Directory.CreateTempSubdirectory("mgerrors-").FullName, "ErrorCodes.cs");
        try
        {
            TestCommand.Ok(Repository.PathOf("scripts/generate-error-codes"), generated, Headers);
            var committedText = File.ReadAllText(Repository.PathOf(Committed));
            var generatedText = File.ReadAllText(generated);
            if (VersionOf(committedText) == VersionOf(generatedText))
            {
                Assert.That(committedText, Is.EqualTo(generatedText), $"{Committed} was edited by hand: run scripts/generate-error-codes");
            }
            else
            {
                Assert.That(Members(generatedText), Is.SupersetOf(Members(committedText)),
                    $"libvirt {VersionOf(generatedText)} lost or renumbered a code of {VersionOf(committedText)}");
            }
            Assert.That(Members(generatedText), Does.Contain("ErrorCode.NoDomain = 42").And.Contain("ErrorDomain.Qemu = 10")
                .And.Contain("ErrorCode.NoNetworkWarning = 41"));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(generated)!, recursive: true);
        }
    }


    private static string VersionOf(string source) => VersionLine().Match(source) is { Success: true } match
        ? match.Groups[1].Value
        : throw new AssertionException("no libvirt version in the generated file's header");

    /// <summary>Each member as <c>Enum.Member = value</c>.</summary>
    private static List<string> Members(string source)
    {
        var members = new List<string>();
        string? enumName = null;
        foreach (var line in source.Split('\n'))
        {
            if (EnumLine().Match(line) is { Success: true } start)
            {
                enumName = start.Groups[1].Value;
            }
            else if (enumName is not null && MemberLine().Match(line) is { Success: true } member)
            {
                members.Add($"{enumName}.{member.Groups[1].Value} = {member.Groups[2].Value}");
            }
        }
        return members;
    }

    [GeneratedRegex(@"from libvirt ([0-9.]+)'s virterror\.h")]
    private static partial Regex VersionLine();

    [GeneratedRegex(@"^public enum (\w+)")]
    private static partial Regex EnumLine();

    [GeneratedRegex(@"^    (\w+) = (\d+),$")]
    private static partial Regex MemberLine();
}
