namespace Miniguest.Core;

/// <summary>The root of every error Miniguest reports about guests, the host and Nix: an embedder catches this one
/// type, or the subclass it acts on. Messages say what is wrong in the library's words; a command line adds its own
/// hints. libvirt's errors are <see cref="LibvirtFailedException"/>, libvirt's own inside.</summary>
public abstract class MiniguestException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected MiniguestException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
