using Miniguest.Core;

namespace Miniguest.Tests.Integration;

/// <summary>
/// The test guest flake (TestGuest/ beside the tests), staged once per run into a temporary directory
/// together with the host's kernel, modules and busybox and the repository's nix/lib.nix (the functions the
/// NixOS module builds its output with), and built with the real Nix.
/// </summary>
internal static class TestGuestFlake
{
    private static readonly Lazy<string> StagedDirectory = new(Stage);

    /// <summary>The flake reference of the staged test guest.</summary>
    public static string Reference => "path:" + StagedDirectory.Value;

    /// <summary>Builds one of the test guest's variants (vm, vm-virtiofs, container) and reads its output.</summary>
    public static async Task<GuestSystem> BuildAsync(string variant)
    {
        var built = await IntegrationEnvironment.Nix
            .BuildAsync($"{Reference}#nixosConfigurations.{variant}.config.system.build.miniguest")
            .ConfigureAwait(false);
        return GuestSystem.Load(built.Single().Out);
    }

    /// <summary>Removes the staged copy, if one was made.</summary>
    public static void DeleteStaging()
    {
        if (StagedDirectory.IsValueCreated)
        {
            Directory.Delete(StagedDirectory.Value, recursive: true);
        }
    }

    private static string Stage()
    {
        var directory = Directory.CreateTempSubdirectory("miniguest-test-guest-").FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "TestGuest")))
        {
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        }
        File.Copy(Repository.PathOf("nix/lib.nix"), Path.Combine(directory, "lib.nix"));
        var inputs = Directory.CreateDirectory(Path.Combine(directory, "inputs")).FullName;
        Directory.CreateDirectory(Path.Combine(inputs, "busybox"));
        File.Copy(IntegrationEnvironment.Busybox, Path.Combine(inputs, "busybox", "busybox"));
        File.Copy(Path.Combine(IntegrationEnvironment.KernelDirectory, "vmlinuz"), Path.Combine(inputs, "vmlinuz"));
        var modules = Directory.CreateDirectory(Path.Combine(inputs, "modules")).FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(IntegrationEnvironment.KernelDirectory, "modules")))
        {
            File.Copy(file, Path.Combine(modules, Path.GetFileName(file)));
        }
        return directory;
    }
}
