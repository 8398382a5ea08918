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

    /// <summary>Builds one of the test guest's variants (vm, vm-virtiofs, container) and reads its output; from a copy
    /// made by <see cref="CopyForEditing"/> where <paramref name="copy"/> names one.</summary>
    public static async Task<GuestSystem> BuildAsync(string variant, string? copy = null)
    {
        var built = await IntegrationEnvironment.Nix
            .BuildAsync($"{(copy is null ? Reference : "path:" + copy)}#nixosConfigurations.{variant}.config.system.build.miniguest")
            .ConfigureAwait(false);
        return GuestSystem.Load(built.Single().Out);
    }

    /// <summary>A copy of the staged flake that a test may change (to make an upgrade, say); the caller deletes it.</summary>
    public static string CopyForEditing()
    {
        var copy = Directory.CreateTempSubdirectory("miniguest-test-guest-copy-").FullName;
        foreach (var file in Directory.EnumerateFiles(StagedDirectory.Value, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(StagedDirectory.Value, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return copy;
    }

    /// <summary>Changes the guest's init in a copy made by <see cref="CopyForEditing"/>, so that it builds anew.</summary>
    public static void ChangeGuest(string copy, string mark) =>
        File.AppendAllText(Path.Combine(copy, "guest-init.sh"), $"# {mark}\n");

    /// <summary>Removes the staged copy, if one was made.</summary>
    public static void DeleteStaging()
    {
        if (StagedDirectory.IsValueCreated)
        {
            Directory.Delete(StagedDirectory.Value, recursive: true);
        }
    }

    // scripts/stage-test-guest is the one way the test guest is staged: for the tests, the demo and the benchmarks.
    private static string Stage()
    {
        var directory = Directory.CreateTempSubdirectory("miniguest-test-guest-").FullName;
        var staged = new TestCommand(Repository.PathOf("scripts/stage-test-guest"), [directory])
        {
            Environment = new Dictionary<string, string?>
            {
                ["MINIGUEST_TEST_KERNEL_DIR"] = IntegrationEnvironment.KernelDirectory,
                ["MINIGUEST_TEST_BUSYBOX"] = IntegrationEnvironment.Busybox,
            },
        }.Run();
        if (staged.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/stage-test-guest failed: {staged.Error.Trim()}");
        }
        return directory;
    }
}
