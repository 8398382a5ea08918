using System.Runtime.InteropServices;

namespace Miniguest.Libvirt;

// libvirt-common.h: typed parameters.
internal static unsafe partial class Interop
{
    internal const int VIR_TYPED_PARAM_FIELD_LENGTH = 80;

    /// <summary>
    /// libvirt's <c>virTypedParameter</c>: <c>char field[80]</c>, <c>int type</c>, then a union of <c>int</c>,
    /// <c>unsigned int</c>, <c>long long</c>, <c>unsigned long long</c>, <c>double</c>, <c>char</c> and
    /// <c>char *</c>. The offsets are those of the LP64 ABIs this binding runs on (x86-64 and AArch64): the union is
    /// 8-aligned, so 4 bytes of padding follow <c>type</c>, and the struct is 96 bytes.
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 96)]
    internal struct TypedParameterNative
    {
        /// <summary>The parameter's name, NUL-terminated.</summary>
        [FieldOffset(0)]
        public fixed byte Field[VIR_TYPED_PARAM_FIELD_LENGTH];

        /// <summary>A <c>virTypedParameterType</c>: which member of the union holds the value.</summary>
        [FieldOffset(80)]
        public int Type;

        [FieldOffset(88)]
        public int Int;

        [FieldOffset(88)]
        public uint UInt;

        [FieldOffset(88)]
        public long LLong;

        [FieldOffset(88)]
        public ulong ULLong;

        [FieldOffset(88)]
        public double Double;

        /// <summary>A C <c>char</c>: non-zero is true.</summary>
        [FieldOffset(88)]
        public byte Boolean;

        /// <summary>Never null for a string parameter; owned by whatever owns the parameter.</summary>
        [FieldOffset(88)]
        public byte* String;
    }
}
