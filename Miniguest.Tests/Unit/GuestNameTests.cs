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
    public void A_name_of_letters_digits_dots_dashes_and_underscores_is_valid(string name) =>
        Assert.That(GuestName.TryParse(name, out _), Is.True);

    [TestCase("web\n", "may hold only")]
    [TestCase("web\r\n", "may hold only")]
    [TestCase("we\0b", "may hold only")]
    [TestCase("-web", "must start with")]
    [TestCase(".web", "must start with")]
    [TestCase("..", "must start with")]
    [TestCase("a/b", "may hold only")]
    [TestCase("", "empty")]
    [TestCase("web-1-link", "generation")]
    [TestCase("x-42-link", "generation")]
    [TestCase("web-1-link.tmp-6602-7246796", "generation")]
    public void A_name_that_breaks_a_rule_is_refused_with_the_rule(string name, string rule)
    {
        var error = Assert.Throws<InvalidGuestNameException>(() => GuestName.Parse(name));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(error!.Message, Does.Contain(rule));
            Assert.That(error.Message, Does.Not.Contain("\n"), "the error stays one line");
        }
    }

    [Test]
    public void A_name_longer_than_the_limit_is_refused() =>
        Assert.That(GuestName.TryParse(new string('a', GuestName.MaxLength + 1), out _), Is.False);
}
