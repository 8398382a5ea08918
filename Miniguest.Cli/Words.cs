using Miniguest.Core;

namespace Miniguest.Cli;

/// <summary>The words the command line prints for Core's values, the same in its tables and its JSON: lower case, one word
/// each (a hyphen where the value has several), so that a script's <c>awk</c> and <c>jq</c> read them alike.</summary>
internal static class Words
{
    public static string Of(GuestType type) => type == GuestType.Lxc ? "container" : "vm";

    public static string Of(GuestListStatus status) => status switch
    {
        GuestListStatus.Broken => "broken",
        GuestListStatus.Unknown => "unknown",
        GuestListStatus.Foreign => "foreign",
        GuestListStatus.NotDefined => "not-defined",
        GuestListStatus.Stopped => "stopped",
        GuestListStatus.Current => "current",
        GuestListStatus.RestartPending => "restart-pending",
        _ => "outdated",
    };

    public static string Of(StoreProtection protection) => protection switch
    {
        StoreProtection.ReadOnly9pShare => "read-only-9p-share",
        StoreProtection.ReadOnlyStoreView => "read-only-store-view",
        StoreProtection.ReadOnlyHostStore => "read-only-host-store",
        StoreProtection.UserNamespace => "user-namespace",
        StoreProtection.DroppedCapabilities => "dropped-capabilities",
        _ => "none",
    };
}
