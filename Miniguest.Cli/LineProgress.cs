namespace Miniguest.Cli;

/// <summary>Lines from a guest reported as they come, each written before the next: <see cref="Progress{T}"/> would post
/// them to the thread pool, out of order.</summary>
internal sealed class LineProgress(Action<string> write) : IProgress<string>
{
    public void Report(string value) => write(value);
}
