using System.Runtime.CompilerServices;
using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>libvirt failed what Miniguest asked of it (a daemon that cannot be reached, a domain it refuses): its message,
/// with libvirt's own error inside.</summary>
public sealed class LibvirtFailedException : MiniguestException
{
    internal LibvirtFailedException(LibvirtException error)
        : base(error.Message, error)
    {
    }
}

/// <summary>Runs what Core's public API does so that libvirt's errors leave it as <see cref="LibvirtFailedException"/>:
/// the binding's types stay out of Core's API.</summary>
internal static class LibvirtGuard
{
    public static async Task<T> Guarded<T>(Func<Task<T>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (LibvirtException e)
        {
            throw new LibvirtFailedException(e);
        }
    }

    public static Task Guarded(Func<Task> action) => Guarded(async () =>
    {
        await action().ConfigureAwait(false);
        return true;
    });

    public static T Guarded<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (LibvirtException e)
        {
            throw new LibvirtFailedException(e);
        }
    }

    public static async IAsyncEnumerable<T> Guarded<T>(IAsyncEnumerable<T> items, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var each = items.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await each.MoveNextAsync().ConfigureAwait(false))
                {
                    yield break;
                }
            }
            catch (LibvirtException e)
            {
                throw new LibvirtFailedException(e);
            }
            yield return each.Current;
        }
    }
}
