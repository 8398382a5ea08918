using System.CommandLine.Parsing;
using System.Globalization;

namespace Miniguest.Cli;

/// <summary>Parsers for options' values that name the option in their usage errors.</summary>
internal static class OptionParsers
{
    /// <summary>A whole number of at least <paramref name="minimum"/>; anything else is a usage error that names the option.</summary>
    public static int AtLeast(ArgumentResult result, int minimum, string unit)
    {
        var option = OptionOf(result);
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= minimum)
        {
            return value;
        }
        result.AddError($"{option} must be a whole number of at least {minimum}{(unit.Length > 0 ? " " + unit : "")}, not '{text}'");
        return minimum;
    }

    /// <summary>A generation's number; anything else is a usage error that names the option.</summary>
    public static int Generation(ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= 1)
        {
            return number;
        }
        result.AddError($"{OptionOf(result)} must be a generation's number (miniguest generations NAME lists them), not '{text}'");
        return 1;
    }

    private static string OptionOf(ArgumentResult result) => ((OptionResult)result.Parent!).Option.Name;
}
