namespace Miniguest.Core;

/// <summary>Builds a guest's kernel command line from the parameters its system asks for.</summary>
internal static class KernelCommandLine
{
    /// <summary>The console every Miniguest VM's serial port is read from.</summary>
    public const string SerialConsole = "console=ttyS0";

    /// <summary>
    /// The guest's own parameters, followed by <c>init=</c><paramref name="init"/> unless they name an init. A guest
    /// without parameters of its own (<see langword="null"/>: built before guests had them) gets the init and
    /// <see cref="SerialConsole"/>; one with them chose its console there, or none.
    /// </summary>
    public static string Compose(string? kernelParams, string init)
    {
        ArgumentException.ThrowIfNullOrEmpty(init);
        var parameters = (kernelParams ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).ToList();
        if (!parameters.Any(p => p.StartsWith("init=", StringComparison.Ordinal)))
        {
            parameters.Add("init=" + init);
        }
        if (kernelParams is null)
        {
            parameters.Add(SerialConsole);
        }
        return string.Join(' ', parameters);
    }
}
