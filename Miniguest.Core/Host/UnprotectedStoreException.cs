using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>A guest would be able to write to the host's <c>/nix/store</c>, and nobody opted out of the protection
/// (<see cref="GuestMetadata.AllowWritableStore"/>). The message says why, and what to change.</summary>
public sealed class UnprotectedStoreException : MiniguestException
{
    /// <summary>Creates the exception with a message that says why the store is unprotected and what to change.</summary>
    public UnprotectedStoreException(string message)
        : base(message)
    {
    }
}
