using Miniguest.Core;

namespace Miniguest.Tests.Unit;

/// <summary>Which guests an upgrade of every guest upgrades, chosen from the listing: the guests <c>miniguest install</c>
/// made, here and on other hosts, in the listing's order; a broken one and one whose host did not answer skipped with
/// what is wrong; a declared one left to its NixOS host.</summary>
public sealed class UpgradePlanTests
{
    [Test]
    public void Installed_guests_here_and_elsewhere_are_upgraded_in_the_listings_order()
    {
        var plan = UpgradePlan.Of(
        [
            Listed("a", GuestListStatus.Current),
            Listed("b", GuestListStatus.NotDefined, host: "web1"),
            Listed("c", GuestListStatus.Stopped),
            Listed("d", GuestListStatus.Outdated, host: "web2"),
        ]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(plan.Guests, Is.EqualTo(new[] { "a", "b", "c", "d" }));
            Assert.That(plan.Skipped, Is.Empty);
        }
    }

    [Test]
    public void A_broken_guest_and_one_whose_host_does_not_answer_are_skipped_saying_why_and_the_others_upgraded()
    {
        var plan = UpgradePlan.Of(
        [
            Listed("stray", GuestListStatus.Broken, problem: "its profile does not exist"),
            Listed("vm", GuestListStatus.Stopped),
            Listed("far", GuestListStatus.Unknown, host: "web1", problem: "web1: did not answer within 10 s"),
            Listed("gone", GuestListStatus.Broken, host: "web2", problem: "web2 holds no profile of 'gone'"),
        ]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(plan.Guests, Is.EqualTo(new[] { "vm" }));
            Assert.That(plan.Skipped, Is.EqualTo(new[]
            {
                new SkippedGuest("stray", "its profile does not exist"),
                new SkippedGuest("far", "web1: did not answer within 10 s"),
                new SkippedGuest("gone", "web2 holds no profile of 'gone'"),
            }));
        }
    }

    [Test]
    public void A_guest_of_this_host_whose_libvirt_does_not_answer_is_still_upgraded()
    {
        var plan = UpgradePlan.Of([Listed("vm", GuestListStatus.Unknown)]);

        Assert.That(plan.Guests, Is.EqualTo(new[] { "vm" }));
    }

    [Test]
    public void A_declared_guest_is_left_to_its_host_and_not_called_skipped()
    {
        var plan = UpgradePlan.Of(
        [
            Listed("declared", GuestListStatus.Current) with { Declarative = true },
            Listed("installed", GuestListStatus.Current),
        ]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(plan.Guests, Is.EqualTo(new[] { "installed" }));
            Assert.That(plan.Skipped, Is.Empty);
        }
    }

    [Test]
    public void Nothing_installed_plans_nothing()
    {
        var plan = UpgradePlan.Of([]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(plan.Guests, Is.Empty);
            Assert.That(plan.Skipped, Is.Empty);
        }
    }

    private static GuestListing Listed(string name, GuestListStatus status, string? host = null, string? problem = null) =>
        new() { Name = name, Status = status, Host = host, Problem = problem };
}
