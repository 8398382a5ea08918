using System.ComponentModel;
using Miniguest.Core;

namespace Miniguest.Tests.Nix;

/// <summary>Checks once that nix and nix-instantiate run; without them every Nix test fails with the reason.</summary>
[SetUpFixture, Parallelizable]
public sealed class NixEnvironment
{
    [OneTimeSetUp]
    public async Task CheckNix()
    {
        try
        {
            await NixLib.CheckAsync();
        }
        catch (Exception e) when (e is NixException or Win32Exception)
        {
            Assert.Fail($"nix does not run (run scripts/setup-host as root): {e.Message}");
        }
    }
}
