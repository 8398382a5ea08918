namespace Miniguest.Core;

/// <summary>A command run inside a running guest (<see cref="GuestHost.RunAsync"/>) by Miniguest's agent in it, over the
/// guest's channel (<see cref="GuestChannel"/>): the guest runs it as its root with <c>sh -c</c>; no host process enters
/// the guest.</summary>
internal static class Run
{
    public static async Task<int> RunAsync(GuestHostContext host, GuestName name, IReadOnlyList<string> command, IProgress<string> output,
        IProgress<string> errors, CancellationToken cancellationToken)
    {
        if (command.Count == 0)
        {
            throw new ArgumentException("no command to run", nameof(command));
        }
        if (command.FirstOrDefault(word => word.Contains('\n', StringComparison.Ordinal) || word.Contains('\r', StringComparison.Ordinal)) is not null)
        {
            throw new GuestStateException("a word of the command holds a line break, which the guest's channel cannot carry");
        }
        var site = host.DomainSite(name);
        using var connection = site.Connect(host.Connector);
        using var domain = host.Domains.Get(connection, name);
        if (!domain.IsActive)
        {
            throw new GuestNotRunningException(name.Value);
        }
        using var agent = await GuestAgent.ConnectAsync(domain.Handle, DomainXml.Read(domain.Handle.GetXml()), name.Value, cancellationToken)
            .ConfigureAwait(false);
        return await agent.RunAsync(ShellCommand(command), output, errors, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The words as one command line for <c>sh -c</c>: each word single-quoted, as it is.</summary>
    internal static string ShellCommand(IReadOnlyList<string> words) =>
        string.Join(' ', words.Select(word => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));
}
