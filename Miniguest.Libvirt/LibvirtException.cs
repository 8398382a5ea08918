namespace Miniguest.Libvirt;

/// <summary>An error reported by libvirt, with its code and the part of libvirt that raised it.</summary>
public class LibvirtException : Exception
{
    /// <summary>Creates an exception for a libvirt error.</summary>
    public LibvirtException(string message, ErrorCode code, ErrorDomain errorDomain)
        : this(message, code, errorDomain, null)
    {
    }

    /// <summary>Creates an exception for a libvirt error that another caused.</summary>
    public LibvirtException(string message, ErrorCode code, ErrorDomain errorDomain, Exception? inner)
        : base(message, inner)
    {
        Code = code;
        ErrorDomain = errorDomain;
    }

    /// <summary>What went wrong.</summary>
    public ErrorCode Code { get; }

    /// <summary>Which part of libvirt reported it.</summary>
    public ErrorDomain ErrorDomain { get; }

    /// <summary>
    /// Reads the calling thread's last libvirt error (it is thread-local, so this must run on the thread
    /// whose call failed, before any other libvirt call) and makes the most specific exception for it.
    /// </summary>
    internal static unsafe LibvirtException FromLastError(string operation)
    {
        var error = Interop.virGetLastError();
        if (error == null)
        {
            return new LibvirtException($"{operation} failed (libvirt gave no reason)", ErrorCode.InternalError, ErrorDomain.None);
        }
        var code = (ErrorCode)error->code;
        var domain = (ErrorDomain)error->domain;
        var message = Interop.BorrowString(error->message) ?? $"{operation} failed";
        Interop.virResetLastError();
        return code switch
        {
            ErrorCode.NoDomain => new DomainNotFoundException(message, code, domain),
            ErrorCode.DomExist => new DomainExistsException(message, code, domain),
            ErrorCode.OperationInvalid => new OperationInvalidException(message, code, domain),
            ErrorCode.XmlError or ErrorCode.XmlDetail or ErrorCode.XmlInvalidSchema
                => new InvalidXmlException(message, code, domain),
            ErrorCode.NoConnect or ErrorCode.InvalidConn or ErrorCode.AuthFailed or ErrorCode.AuthCancelled
                or ErrorCode.AuthUnavailable or ErrorCode.Rpc
                => new ConnectionFailedException(message, code, domain),
            // A call on a connection whose daemon went away fails in the RPC layer ("client socket is closed").
            ErrorCode.InternalError or ErrorCode.SystemError when domain == ErrorDomain.Rpc
                => new ConnectionFailedException(message, code, domain),
            ErrorCode.NoSupport => new OperationUnsupportedException(message, code, domain),
            _ => new LibvirtException(message, code, domain),
        };
    }
}

/// <summary>No domain has the name or UUID asked for (<see cref="ErrorCode.NoDomain"/>).</summary>
public sealed class DomainNotFoundException(string message, ErrorCode code, ErrorDomain errorDomain)
    : LibvirtException(message, code, errorDomain);

/// <summary>A domain of that name or UUID already exists (<see cref="ErrorCode.DomExist"/>).</summary>
public sealed class DomainExistsException(string message, ErrorCode code, ErrorDomain errorDomain)
    : LibvirtException(message, code, errorDomain);

/// <summary>The operation does not apply to the object in its current state, such as starting a running
/// domain (<see cref="ErrorCode.OperationInvalid"/>).</summary>
public sealed class OperationInvalidException(string message, ErrorCode code, ErrorDomain errorDomain)
    : LibvirtException(message, code, errorDomain);

/// <summary>The driver does not support the operation (<see cref="ErrorCode.NoSupport"/>).</summary>
public sealed class OperationUnsupportedException(string message, ErrorCode code, ErrorDomain errorDomain)
    : LibvirtException(message, code, errorDomain);

/// <summary>libvirt rejected an XML description.</summary>
public sealed class InvalidXmlException(string message, ErrorCode code, ErrorDomain errorDomain)
    : LibvirtException(message, code, errorDomain);

/// <summary>The connection to the hypervisor could not be made, or was lost.</summary>
public sealed class ConnectionFailedException(string message, ErrorCode code, ErrorDomain errorDomain)
    : LibvirtException(message, code, errorDomain);

/// <summary>libvirt's client library cannot be loaded: libvirt is not installed (Debian and Ubuntu: <c>libvirt0</c>),
/// or <see cref="LibvirtLibrary.Path"/> names something that is not there.</summary>
public sealed class LibvirtLibraryNotFoundException(string library, Exception inner)
    : LibvirtException($"cannot load libvirt's client library {library}: {LoaderReason(inner.Message)}", ErrorCode.InternalError, ErrorDomain.None, inner)
{
    // .NET wraps the dynamic loader's own words (after "...environment variable: ") in advice of its own.
    private static string LoaderReason(string message) =>
        message.LastIndexOf("environment variable: ", StringComparison.Ordinal) is var at and >= 0
            ? message[(at + "environment variable: ".Length)..]
            : message;

    /// <summary>The library that was tried.</summary>
    public string Library { get; } = library;
}
