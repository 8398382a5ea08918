using Miniguest.Core;

namespace Miniguest.Tests.Unit;

public sealed class GuestNameTests
{
    [TestCase("web")]
    [TestCase("web-1")]
    [TestCase("db.v2_test")]
    [TestCase("x-link")]
    [TestCase("x-1a-link")]
    [TestCase("1-link")]
    [TestCase("web-1-link.tmp")]
    public void A_name_of_letters_digits_dots_dashes_and_underscores_is_valid(string name)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(GuestName.TryParse(name, out var parsed), Is.True);
            Assert.That(parsed.Value, Is.EqualTo(name));
            Assert.That(GuestName.Parse(name).ToString(), Is.EqualTo(name));
            Assert.That(GuestName.Parse(name), Is.EqualTo(parsed), "the same name is the same value");
        }
    }

    [TestCase("web\n", "may hold only")]
    [TestCase("web\r\n", "may hold only")]
    [TestCase("we\0b", "may hold only")]
    [TestCase("-web", "must start with")]
    [TestCase(".web", "must start with")]
    [TestCase("..", "must start with")]
    [TestCase("a/b", "may hold only")]
    [TestCase("", "empty")]
    [TestCase(null, "empty")]
    [TestCase("web-1-link", "generation")]
    [TestCase("x-42-link", "generation")]
    [TestCase("web-1-link.tmp-6602-7246796", "generation")]
    public void A_name_that_breaks_a_rule_is_refused_with_the_rule(string? name, string rule)
    {
        var error = Assert.Throws<InvalidGuestNameException>(() => GuestName.Parse(name));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(error!.Message, Does.Contain(rule));
            Assert.That(error.Message, Does.Not.Contain("\n"), "the error stays one line");
            Assert.That(GuestName.TryParse(name, out var parsed), Is.False);
            Assert.That(parsed, Is.EqualTo(default(GuestName)));
        }
    }

    [Test]
    public void A_name_longer_than_the_limit_is_refused() =>
        Assert.That(GuestName.TryParse(new string('a', GuestName.MaxLength + 1), out _), Is.False);

    [Test]
    public void A_default_guest_name_names_no_guest_and_cannot_become_a_path()
    {
        var paths = new MiniguestPaths();
        var none = default(GuestName);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => none.Value, Throws.InvalidOperationException);
            Assert.That(() => none.ToString(), Throws.InvalidOperationException);
            Assert.That(() => $"{none}", Throws.InvalidOperationException);
            Assert.That(() => paths.Link(none), Throws.InvalidOperationException, "not /etc/miniguests itself");
            Assert.That(() => paths.GuestState(none), Throws.InvalidOperationException);
            Assert.That(() => new GuestProfile(paths, none), Throws.InvalidOperationException);
            Assert.That(none, Is.Not.EqualTo(GuestName.Parse("web")));
        }
    }

    [Test]
    public void Names_sort_as_their_files_do() =>
        Assert.That(new[] { "web", "Web", "db", "db-1", "db.1" }.Select(GuestName.Parse).Order().Select(name => name.Value),
            Is.EqualTo(new[] { "Web", "db", "db-1", "db.1", "web" }));
}
