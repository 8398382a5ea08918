using System.Runtime.CompilerServices;
using System.Text;

namespace Miniguest.Core;

/// <summary>Reading a VM's console log (<see cref="GuestHost.ConsoleLogAsync"/>): the file QEMU writes the guest's
/// serial console to, anew at each start, in Miniguest's state on this host.</summary>
internal static class ConsoleLog
{
    // How often a followed log is looked at again: a console writes in bursts, and a reader waits for people.
    private static readonly TimeSpan FollowInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>The log's lines as the guest wrote them (its bytes as UTF-8, without line ends): all, or the last
    /// <paramref name="last"/>; with <paramref name="follow"/>, then each line as it is written, from the start of the
    /// log again when a restart of the guest begins it anew, until cancelled.</summary>
    public static async IAsyncEnumerable<string> ReadAsync(GuestHostContext host, GuestName name, int? last, bool follow,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var path = LogOf(host, name);
        var position = 0L;
        var pending = new MemoryStream();
        var lines = new List<string>();
        var first = true;
        while (true)
        {
            lines.Clear();
            position = ReadFrom(path, position, pending, lines);
            // Unless followed, the last line counts though the guest has not ended it yet.
            if (!follow && pending.Length > 0)
            {
                lines.Add(Line(pending.ToArray()));
            }
            foreach (var line in first && last is { } count ? lines.TakeLast(count) : lines)
            {
                yield return line;
            }
            if (!follow)
            {
                yield break;
            }
            first = false;
            await Task.Delay(FollowInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    // The console log of guest name, a VM of this host that has one.
    private static string LogOf(GuestHostContext host, GuestName name)
    {
        if (host.Elsewhere(name) is { Target: { } target })
        {
            throw new GuestStateException($"guest '{name}' lives on {target.Host}: its console log is there (ssh {target.Host} miniguest logs {name})");
        }
        var guest = host.Store.Get(name);
        if (guest.LoadConfig().GuestType == GuestType.Lxc)
        {
            throw new GuestStateException($"guest '{name}' is a container, which has no console log: miniguest console {name} attaches to its console");
        }
        var path = host.Paths.ConsoleLog(name);
        return File.Exists(path)
            ? path
            : throw new GuestStateException($"guest '{name}' has no console log yet: QEMU writes it from the guest's first start");
    }

    // The complete lines written from position on, added to lines, with what follows the last of them kept in pending;
    // the position read to. A log shorter than the position was begun anew by a restart: read from its start.
    private static long ReadFrom(string path, long position, MemoryStream pending, List<string> lines)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (stream.Length < position)
        {
            (position, pending.Position) = (0, 0);
            pending.SetLength(0);
        }
        stream.Position = position;
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            var start = 0;
            for (var end = Array.IndexOf(buffer, (byte)'\n', 0, read); end >= 0; end = Array.IndexOf(buffer, (byte)'\n', start, read - start))
            {
                pending.Write(buffer, start, end - start);
                lines.Add(Line(pending.ToArray()));
                pending.SetLength(0);
                start = end + 1;
            }
            pending.Write(buffer, start, read - start);
        }
        return stream.Position;
    }

    private static string Line(byte[] bytes) => Encoding.UTF8.GetString(bytes).TrimEnd('\r');
}
