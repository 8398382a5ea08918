using Miniguest.Core;

namespace Miniguest.Tests.Unit;

/// <summary>A host layout (links, profiles, state) under a temporary directory of its own, deleted on disposal.</summary>
internal sealed class TemporaryLayout : IDisposable
{
    public TemporaryLayout(string prefix)
    {
        Root = Directory.CreateTempSubdirectory(prefix).FullName;
        Paths = new MiniguestPaths { State = Path.Combine(Root, "state"), Guests = Path.Combine(Root, "guests"), Profiles = Path.Combine(Root, "profiles") };
    }

    public string Root { get; }

    public MiniguestPaths Paths { get; }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
