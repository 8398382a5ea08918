using Microsoft.Extensions.Logging.Abstractions;
using Miniguest.Core;

namespace Miniguest.Tests.Unit;

/// <summary>What Miniguest reads from Nix's structured log: here, whether the evaluation cache was busy, which makes a
/// failed run worth one more try without the cache.</summary>
public sealed class NixLogTests
{
    [TestCase("@nix {\"action\":\"msg\",\"level\":1,\"msg\":\"warning: error: SQLite database '/root/.cache/nix/eval-cache-v2/0f3c.sqlite' is busy\"}", true)]
    [TestCase("error (ignored): SQLite database '/root/.cache/nix/eval-cache-v6/0f3c.sqlite' is busy", true)]
    [TestCase("@nix {\"action\":\"msg\",\"level\":0,\"msg\":\"error: SQLite database '/nix/var/nix/db/db.sqlite' is busy\"}", false)]
    [TestCase("@nix {\"action\":\"msg\",\"level\":0,\"msg\":\"error: attribute 'x' missing\"}", false)]
    public void Tells_a_busy_evaluation_cache(string line, bool busy)
    {
        var log = new NixLog(NullLogger.Instance, progress: null);
        log.Read(line);
        Assert.That(log.EvalCacheBusy, Is.EqualTo(busy));
    }
}
