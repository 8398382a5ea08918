using System.Diagnostics;

namespace Miniguest.Core;

/// <summary>
/// The named steps of every command that changes the host, where the crash tests stop a command dead: each step is
/// reached just before the change it names. Only a build with crash points (the Debug configuration, which the tests
/// run) has them: elsewhere the calls are compiled away, so a shipped <c>miniguest</c> has none. In such a build,
/// <c>MINIGUEST_CRASH_TRACE=FILE</c> appends each step reached to FILE, and <c>MINIGUEST_CRASH_AT=N</c> kills the
/// process with SIGKILL at the Nth step it reaches: no clean-up, no <c>finally</c>, as when the machine dies.
/// </summary>
internal static class CrashPoint
{
    /// <summary>A build is staged in the guest's staging profile.</summary>
    public const string Stage = "stage";

    /// <summary>The guest's profile gets the staged build as a new generation.</summary>
    public const string SetProfile = "set-profile";

    /// <summary><c>/etc/miniguests/NAME</c> is linked to the profile.</summary>
    public const string LinkGuest = "link-guest";

    /// <summary>The staging profile is deleted.</summary>
    public const string DropStaging = "drop-staging";

    /// <summary>The profile is pointed at another generation.</summary>
    public const string SwitchGeneration = "switch-generation";

    /// <summary>A new file or link is made under its temporary name, not yet renamed into place.</summary>
    public const string TemporaryMade = "temporary-made";

    /// <summary>The guest's link is deleted.</summary>
    public const string Unlink = "unlink";

    /// <summary>The guest's state directory (a container's root, records, console log) is deleted.</summary>
    public const string DeleteState = "delete-state";

    /// <summary>The guest's profile and generations are deleted.</summary>
    public const string DeleteProfile = "delete-profile";

    /// <summary>A container's root directory is made ready.</summary>
    public const string PrepareContainerRoot = "prepare-container-root";

    /// <summary>libvirt defines (or updates) the guest's domain.</summary>
    public const string DefineDomain = "define-domain";

    /// <summary>The URI and UUID of the domain are recorded in the guest's state.</summary>
    public const string RecordDomain = "record-domain";

    /// <summary>A running guest's domain is stopped (destroyed).</summary>
    public const string StopDomain = "stop-domain";

    /// <summary>The guest's domain is undefined.</summary>
    public const string UndefineDomain = "undefine-domain";

    /// <summary>libvirt starts the guest's domain.</summary>
    public const string StartDomain = "start-domain";

    /// <summary>The domain's autostart is set.</summary>
    public const string SetAutostart = "set-autostart";

    /// <summary><c>apply</c> records which guests the host declares.</summary>
    public const string RecordDeclared = "record-declared";

    private static readonly string? Trace = Environment.GetEnvironmentVariable("MINIGUEST_CRASH_TRACE");
    private static readonly int CrashAt =
        int.TryParse(Environment.GetEnvironmentVariable("MINIGUEST_CRASH_AT"), System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0;
    private static int _reached;

    /// <summary>The command reaches <paramref name="step"/>, about to make the change it names.</summary>
    [Conditional("MINIGUEST_CRASH_POINTS")]
    public static void Reach(string step)
    {
        if (Trace is not null)
        {
            File.AppendAllText(Trace, step + "\n");
        }
        if (Interlocked.Increment(ref _reached) == CrashAt)
        {
            _ = LibC.kill(Environment.ProcessId, LibC.SIGKILL);
        }
    }
}
