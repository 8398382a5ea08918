using System.Runtime.InteropServices;

namespace Miniguest.Libvirt;

internal static unsafe partial class Interop
{
    /// <summary>libvirt's <c>virError</c> (80 bytes on x86-64).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct virError
    {
        public int code;
        public int domain;
        public byte* message;
        public int level;
        public void* conn;
        public void* dom;
        public byte* str1;
        public byte* str2;
        public byte* str3;
        public int int1;
        public int int2;
        public void* net;
    }

    [LibraryImport(Libvirt)]
    internal static partial int virInitialize();

    /// <summary>The calling thread's last error; valid until the next libvirt call on this thread.</summary>
    [LibraryImport(Libvirt)]
    internal static partial virError* virGetLastError();

    [LibraryImport(Libvirt)]
    internal static partial void virResetLastError();

    [LibraryImport(Libvirt)]
    internal static partial void virSetErrorFunc(void* userData, delegate* unmanaged[Cdecl]<void*, virError*, void> handler);

    /// <summary>The error handler that prints nothing: errors reach callers as exceptions instead.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    internal static void IgnoreError(void* userData, virError* error)
    {
    }
}
