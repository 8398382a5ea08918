using System.Text;
using Miniguest.Core;

namespace Miniguest.Tests.Unit;

/// <summary>Text another host sends (its errors, its answers) reaches the admin's terminal with its control characters
/// escaped: an escape sequence is printed, never run.</summary>
public sealed class TerminalTextTests
{
    private const string ClearScreen = "\u001b[2J";

    [Test]
    public void Control_characters_are_printed_as_their_escapes()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(TerminalText.Escape(ClearScreen + "gone\a\rx\u009b\u202eevil\ty"), Is.EqualTo(@"\x1b[2Jgone\x07\rx\x9b\u202eevil\ty"));
            Assert.That(TerminalText.Escape("a\nb"), Is.EqualTo(@"a\nb"));
            Assert.That(TerminalText.Escape("a\nb\u001b", keepLineBreaks: true), Is.EqualTo("a\nb\\x1b"));
            Assert.That(TerminalText.Escape("/nix/store/x-é ü"), Is.EqualTo("/nix/store/x-é ü"), "printable text stays as it is");
        }
    }

    [Test]
    public void A_console_line_is_read_without_its_colours_and_cursor_moves_and_with_other_controls_escaped()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(TerminalText.Readable("[\u001b[0;32m  OK  \u001b[0m] Started \u001b[0;1;39mudev\u001b[0m."), Is.EqualTo("[  OK  ] Started udev."));
            Assert.That(TerminalText.Readable("\u001b]0;title\u0007x\u001b]2;other\u001b\\y"), Is.EqualTo("xy"), "titles, ended by BEL or ST");
            Assert.That(TerminalText.Readable("a\u001b[2Jb\u001bc\rd\u202e"), Is.EqualTo(@"ab\x1bc\rd\u202e"), "an escape not starting a sequence is escaped");
            Assert.That(TerminalText.Readable("cut \u001b[0;3"), Is.EqualTo("cut "), "a sequence the line cuts short");
        }
    }

    [Test]
    public void An_error_the_other_host_sends_is_escaped_in_the_exceptions_message()
    {
        var failed = new RemoteHostException("web1", $"{ClearScreen}guest 'web' is not installed there");

        Assert.That(failed.Message, Is.EqualTo(@"web1: \x1b[2Jguest 'web' is not installed there"));
    }

    [Test]
    public void The_other_hosts_name_for_its_libvirtd_is_escaped()
    {
        var facts = TargetFacts.From(GuestName.Parse("web"), "web1", Description() with { MountsOwner = ClearScreen + "libvirtd", Mountinfo = "" },
            pathCount: 0);

        Assert.That(facts.Mounts.Owner, Is.EqualTo(@"\x1b[2Jlibvirtd on web1"));
    }

    [Test]
    public void A_generation_there_that_is_not_a_store_path_is_refused_escaped()
    {
        var refused = Assert.Throws<RemoteHostException>(() =>
            TargetFacts.From(GuestName.Parse("web"), "web1", Description() with { Top = "/nix/store/" + ClearScreen }, pathCount: 0));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refused!.Message, Does.Contain(@"/nix/store/\x1b[2J"));
            // (NUnit compares strings by culture, to which an escape character is nothing.)
            Assert.That(refused.Message.Contains('\u001b', StringComparison.Ordinal), Is.False);
        }
    }

    private static HostDescription Description() =>
        new(null, null, new Dictionary<string, GuestSystem.ResolvedFile>(), new Dictionary<string, byte[]>(), [], new Dictionary<string, string>(), false,
            [], null, null);
}
