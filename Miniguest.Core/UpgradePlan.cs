namespace Miniguest.Core;

/// <summary>What an upgrade of every guest (<see cref="GuestHost.UpgradeAllAsync"/>) works through, as
/// <see cref="GuestHost.PlanUpgradeAllAsync"/> chose it: the guests <c>miniguest install</c> made, here and on other
/// hosts, in the listing's order; and those it leaves, each with why, so that one broken guest or one host that does not
/// answer stops none of the others. A NixOS host's declared guests are the host's to upgrade: in neither list.</summary>
/// <param name="Guests">The names of the guests to upgrade.</param>
/// <param name="Skipped">The guests left, with why.</param>
public sealed record UpgradePlan(IReadOnlyList<string> Guests, IReadOnlyList<SkippedGuest> Skipped)
{
    /// <summary>The plan for a listing (<see cref="GuestHost.ListAsync"/>): a broken guest is skipped with what is wrong
    /// with it, and so is a guest of another host that did not answer; the rest but the declared ones are upgraded.</summary>
    internal static UpgradePlan Of(IEnumerable<GuestListing> listing)
    {
        var guests = new List<string>();
        var skipped = new List<SkippedGuest>();
        foreach (var guest in listing)
        {
            if (guest.Status == GuestListStatus.Broken || (guest.Host is not null && guest.Status == GuestListStatus.Unknown))
            {
                skipped.Add(new SkippedGuest(guest.Name, guest.Problem));
            }
            else if (!guest.Declarative)
            {
                guests.Add(guest.Name);
            }
        }
        return new UpgradePlan(guests, skipped);
    }
}

/// <summary>A guest an upgrade of every guest leaves as it is.</summary>
/// <param name="Name">The guest's name.</param>
/// <param name="Problem">Why: what is wrong with it, as its listing or its upgrade says.</param>
public sealed record SkippedGuest(string Name, string? Problem);

/// <summary>One guest of <see cref="GuestHost.UpgradeAllAsync"/>: what its upgrade did, or why it was skipped.</summary>
/// <param name="Name">The guest's name.</param>
/// <param name="Upgrade">What its upgrade did, as <see cref="GuestHost.UpgradeAsync"/> says; <see langword="null"/> when it
/// was skipped.</param>
/// <param name="Domain">What became of its domain, as <see cref="GuestHost.UpgradeAsync"/> says.</param>
/// <param name="Skipped">Why it was skipped (a guest of another host whose flake this host never recorded);
/// <see langword="null"/> when it was upgraded.</param>
public sealed record UpgradedGuest(string Name, UpgradeResult? Upgrade, DomainResync? Domain, SkippedGuest? Skipped = null);
