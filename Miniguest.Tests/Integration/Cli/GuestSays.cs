namespace Miniguest.Tests.Integration.Cli;

/// <summary>Waits for what a running guest says in a file the host reads: a VM's console log, a container's
/// <c>miniguest-test-report</c> in its root.</summary>
internal static class GuestSays
{
    /// <summary>Returns once <paramref name="file"/> holds <paramref name="text"/>; fails the test, with what the file
    /// holds, if it does not within <paramref name="patience"/> (30 s by default).</summary>
    public static async Task WaitAsync(string file, string text, TimeSpan? patience = null)
    {
        var deadline = DateTime.UtcNow + (patience ?? TimeSpan.FromSeconds(30));
        while (!(File.Exists(file) && (await File.ReadAllTextAsync(file)).Contains(text, StringComparison.Ordinal)))
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"{file} never said \"{text}\"; it holds:\n{(File.Exists(file) ? await File.ReadAllTextAsync(file) : "nothing")}");
            }
            await Task.Delay(100);
        }
    }
}
