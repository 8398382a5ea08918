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

    // C0, DEL and C1 controls, and the bidirectional embeddings, overrides and isolates.
    private static bool NeedsEscape(char c, bool keepLineBreaks) =>
        (char.IsControl(c) && !(keepLineBreaks && c == '\n'))
        || c is >= '\u202a' and <= '\u202e' or >= '\u2066' and <= '\u2069';
}
