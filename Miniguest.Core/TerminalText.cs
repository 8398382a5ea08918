using System.Globalization;
using System.Text;

namespace Miniguest.Core;

/// <summary>Text Miniguest did not write, another host's answers and errors above all, made safe to print on the admin's
/// terminal: a control character (an escape sequence's ESC, a carriage return, a bell) or a character that reorders the
/// text around it is printed as its escape, <c>\x1b</c> or <c>\u202e</c>, never as itself.</summary>
public static class TerminalText
{
    /// <summary><paramref name="text"/> with every control and reordering character escaped; line breaks too, unless
    /// <paramref name="keepLineBreaks"/> (for a message meant to span lines).</summary>
    public static string Escape(string text, bool keepLineBreaks = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.Any(c => NeedsEscape(c, keepLineBreaks)))
        {
            return text;
        }
        var escaped = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (!NeedsEscape(c, keepLineBreaks))
            {
                escaped.Append(c);
                continue;
            }
            escaped.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                < '\u0100' => "\\x" + ((int)c).ToString("x2", CultureInfo.InvariantCulture),
                _ => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
            });
        }
        return escaped.ToString();
    }

    /// <summary>A line a guest wrote to its console, as text to read: its terminal's control sequences (colours, cursor
    /// moves, titles: ECMA-48's CSI and OSC sequences) left out, and every other control or reordering character escaped
    /// (<see cref="Escape"/>).</summary>
    public static string Readable(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (!line.Contains('\u001b', StringComparison.Ordinal))
        {
            return Escape(line);
        }
        var text = new StringBuilder(line.Length);
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] != '\u001b' || i + 1 == line.Length || line[i + 1] is not ('[' or ']'))
            {
                text.Append(line[i]);
                continue;
            }
            i = line[i + 1] == '[' ? EndOfControlSequence(line, i + 2) : EndOfOperatingSystemCommand(line, i + 2);
        }
        return Escape(text.ToString());
    }

    // CSI: parameter and intermediate bytes, then one final byte (0x40-0x7e); the index of that final byte, or of the last
    // character where the line ends before it.
    private static int EndOfControlSequence(string line, int from)
    {
        var i = from;
        while (i < line.Length && line[i] is >= '\u0020' and <= '\u003f')
        {
            i++;
        }
        return i < line.Length && line[i] is >= '\u0040' and <= '\u007e' ? i : i - 1;
    }

    // OSC: text up to BEL or ST (ESC \); the index of its last character.
    private static int EndOfOperatingSystemCommand(string line, int from)
    {
        for (var i = from; i < line.Length; i++)
        {
            if (line[i] == '\u0007')
            {
                return i;
            }
            if (line[i] == '\u001b' && i + 1 < line.Length && line[i + 1] == '\\')
            {
                return i + 1;
            }
        }
        return line.Length - 1;
    }

    // C0, DEL and C1 controls, and the bidirectional embeddings, overrides and isolates.
    private static bool NeedsEscape(char c, bool keepLineBreaks) =>
        (char.IsControl(c) && !(keepLineBreaks && c == '\n'))
        || c is >= '\u202a' and <= '\u202e' or >= '\u2066' and <= '\u2069';
}
