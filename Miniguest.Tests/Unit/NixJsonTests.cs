using Miniguest.Core;

namespace Miniguest.Tests.Unit;

/// <summary>What <c>nix show-derivation</c> and <c>nix path-info --json</c> print, read as every Nix version prints it.</summary>
public sealed class NixJsonTests
{
    [Test]
    public void The_outputs_of_every_derivation_are_read_with_full_paths_or_names_in_the_store()
    {
        var outputs = NixCli.ParseDerivationOutputs("""
            {
              "/nix/store/aaaa-guest.drv": { "outputs": { "out": { "path": "/nix/store/bbbb-guest" } }, "env": {} },
              "cccc-lib.drv": { "outputs": { "out": { "path": "dddd-lib" }, "dev": { "path": "eeee-lib-dev" } } },
              "/nix/store/ffff-ca.drv": { "outputs": { "out": { "hashAlgo": "sha256" } } }
            }
            """);

        Assert.That(outputs, Is.EquivalentTo(new Dictionary<string, IReadOnlyList<string>>
        {
            ["/nix/store/aaaa-guest.drv"] = ["/nix/store/bbbb-guest"],
            ["/nix/store/cccc-lib.drv"] = ["/nix/store/dddd-lib", "/nix/store/eeee-lib-dev"],
            ["/nix/store/ffff-ca.drv"] = [],
        }));
    }

    [Test]
    public void Invalid_paths_are_read_from_the_list_before_nix_2_19_and_the_object_after()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(NixCli.ParseInvalidPaths("""[{"path":"/nix/store/aaaa-a","narHash":"x"},{"path":"/nix/store/bbbb-b","valid":false}]"""),
                Is.EqualTo(new[] { "/nix/store/bbbb-b" }));
            Assert.That(NixCli.ParseInvalidPaths("""{"/nix/store/aaaa-a":{"narHash":"x"},"/nix/store/bbbb-b":null}"""),
                Is.EqualTo(new[] { "/nix/store/bbbb-b" }));
        }
    }
}
