namespace Miniguest.Core;

/// <summary>The NixOS system a guest's build output boots, its top level: the build output's <c>boot/init</c> links to
/// <c>&lt;toplevel&gt;/init</c>. What <c>switch</c> asks the guest to activate, on this host and on another.</summary>
internal static class SystemTopLevel
{
    /// <summary>Where <c>init</c> in <paramref name="bootDirectory"/> (the build output's <c>boot</c>, where it really is)
    /// links, one link followed; <see langword="null"/> where it is no link.</summary>
    public static string? InitLinkOf(string bootDirectory) =>
        File.ResolveLinkTarget(Path.Combine(bootDirectory, "init"), returnFinalTarget: false)?.FullName;

    /// <summary>The top level of an init link (<see cref="InitLinkOf"/>): the store path its <c>init</c> lies directly in;
    /// <see langword="null"/> for anything else.</summary>
    public static string? Of(string? initLink) =>
        initLink is not null && Path.GetFileName(initLink) == "init" && Path.GetDirectoryName(initLink) is { } top && NixStore.IsRootable(top) ? top : null;
}
