using System.Globalization;

namespace Miniguest.Libvirt;

/// <summary>The C type of a <see cref="TypedParameter"/>'s value (<c>virTypedParameterType</c>).</summary>
public enum TypedParameterType
{
    /// <summary><c>int</c> (<c>VIR_TYPED_PARAM_INT</c>).</summary>
    Int32 = 1,

    /// <summary><c>unsigned int</c> (<c>VIR_TYPED_PARAM_UINT</c>).</summary>
    UInt32 = 2,

    /// <summary><c>long long</c> (<c>VIR_TYPED_PARAM_LLONG</c>).</summary>
    Int64 = 3,

    /// <summary><c>unsigned long long</c> (<c>VIR_TYPED_PARAM_ULLONG</c>).</summary>
    UInt64 = 4,

    /// <summary><c>double</c> (<c>VIR_TYPED_PARAM_DOUBLE</c>).</summary>
    Double = 5,

    /// <summary>A <c>char</c> read as a boolean (<c>VIR_TYPED_PARAM_BOOLEAN</c>).</summary>
    Boolean = 6,

    /// <summary>A string (<c>VIR_TYPED_PARAM_STRING</c>).</summary>
    String = 7,
}

/// <summary>
/// A named value of one of libvirt's C types (<c>virTypedParameter</c>), such as a statistic
/// (<c>cpu.time</c>, an <see cref="TypedParameterType.UInt64"/>). The <c>As…</c> methods read the value without caring
/// about its C type.
/// </summary>
public readonly record struct TypedParameter
{
    // Integers and booleans as their 64 bits (unsigned ones zero-extended), a double as its bits, a string apart.
    private readonly ulong _bits;
    private readonly string? _string;

    private TypedParameter(string name, TypedParameterType type, ulong bits, string? text)
    {
        ArgumentNullException.ThrowIfNull(name);
        Name = name;
        Type = type;
        _bits = bits;
        _string = text;
    }

    /// <summary>An <see cref="TypedParameterType.Int32"/> parameter.</summary>
    public TypedParameter(string name, int value) : this(name, TypedParameterType.Int32, unchecked((ulong)(long)value), null)
    {
    }

    /// <summary>A <see cref="TypedParameterType.UInt32"/> parameter.</summary>
    public TypedParameter(string name, uint value) : this(name, TypedParameterType.UInt32, value, null)
    {
    }

    /// <summary>An <see cref="TypedParameterType.Int64"/> parameter.</summary>
    public TypedParameter(string name, long value) : this(name, TypedParameterType.Int64, unchecked((ulong)value), null)
    {
    }

    /// <summary>A <see cref="TypedParameterType.UInt64"/> parameter.</summary>
    public TypedParameter(string name, ulong value) : this(name, TypedParameterType.UInt64, value, null)
    {
    }

    /// <summary>A <see cref="TypedParameterType.Double"/> parameter.</summary>
    public TypedParameter(string name, double value)
        : this(name, TypedParameterType.Double, unchecked((ulong)BitConverter.DoubleToInt64Bits(value)), null)
    {
    }

    /// <summary>A <see cref="TypedParameterType.Boolean"/> parameter.</summary>
    public TypedParameter(string name, bool value) : this(name, TypedParameterType.Boolean, value ? 1UL : 0UL, null)
    {
    }

    /// <summary>A <see cref="TypedParameterType.String"/> parameter.</summary>
    public TypedParameter(string name, string value) : this(name, TypedParameterType.String, 0, value)
    {
        ArgumentNullException.ThrowIfNull(value);
    }

    /// <summary>The parameter's name (its field), such as <c>state.state</c> or <c>net.0.rx.bytes</c>.</summary>
    public string Name { get; }

    /// <summary>The C type of its value.</summary>
    public TypedParameterType Type { get; }

    /// <summary>The value as its .NET type: <see cref="int"/>, <see cref="uint"/>, <see cref="long"/>,
    /// <see cref="ulong"/>, <see cref="double"/>, <see cref="bool"/> or <see cref="string"/>.</summary>
    /// <exception cref="InvalidOperationException">The type is one that a newer libvirt added and this binding does
    /// not know.</exception>
    public object Value => Type switch
    {
        TypedParameterType.Int32 => unchecked((int)_bits),
        TypedParameterType.UInt32 => (uint)_bits,
        TypedParameterType.Int64 => unchecked((long)_bits),
        TypedParameterType.UInt64 => _bits,
        TypedParameterType.Double => BitConverter.Int64BitsToDouble(unchecked((long)_bits)),
        TypedParameterType.Boolean => _bits != 0,
        TypedParameterType.String => _string!,
        _ => throw new InvalidOperationException($"Parameter {Name} has type {(int)Type}, which this binding does not know."),
    };

    /// <summary>The value of an integer parameter of any C type, when it is not negative; otherwise
    /// <see langword="null"/>.</summary>
    public ulong? AsUInt64() => Type switch
    {
        TypedParameterType.Int32 or TypedParameterType.Int64 when unchecked((long)_bits) >= 0 => _bits,
        TypedParameterType.UInt32 or TypedParameterType.UInt64 => _bits,
        _ => null,
    };

    /// <summary>The value of an integer parameter of any C type, when it fits a <see cref="long"/>; otherwise
    /// <see langword="null"/>.</summary>
    public long? AsInt64() => Type switch
    {
        TypedParameterType.Int32 or TypedParameterType.Int64 or TypedParameterType.UInt32 => unchecked((long)_bits),
        TypedParameterType.UInt64 when _bits <= long.MaxValue => (long)_bits,
        _ => null,
    };

    /// <summary>The value of a <see cref="TypedParameterType.Double"/> or integer parameter (an integer beyond
    /// 2⁵³ rounds to the nearest double); otherwise <see langword="null"/>.</summary>
    public double? AsDouble() => Type switch
    {
        TypedParameterType.Double => BitConverter.Int64BitsToDouble(unchecked((long)_bits)),
        TypedParameterType.Int32 or TypedParameterType.Int64 => unchecked((long)_bits),
        TypedParameterType.UInt32 or TypedParameterType.UInt64 => _bits,
        _ => null,
    };

    /// <summary>The value of a <see cref="TypedParameterType.String"/> parameter; otherwise
    /// <see langword="null"/>.</summary>
    public string? AsString() => Type == TypedParameterType.String ? _string : null;

    /// <summary>The value of a <see cref="TypedParameterType.Boolean"/> parameter; otherwise
    /// <see langword="null"/>.</summary>
    public bool? AsBoolean() => Type == TypedParameterType.Boolean ? _bits != 0 : null;

    /// <summary><c>name=value</c>, as <c>virsh domstats</c> prints it.</summary>
    public override string ToString() => Type is >= TypedParameterType.Int32 and <= TypedParameterType.String
        ? $"{Name}={Convert.ToString(Value, CultureInfo.InvariantCulture)}"
        : $"{Name}=<type {(int)Type}>";

    /// <summary>Copies a parameter that libvirt owns (its string too) into managed memory.</summary>
    internal static unsafe TypedParameter FromNative(Interop.TypedParameterNative* native)
    {
        var field = new ReadOnlySpan<byte>(native->Field, Interop.VIR_TYPED_PARAM_FIELD_LENGTH);
        var end = field.IndexOf((byte)0);
        var name = System.Text.Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
        return (TypedParameterType)native->Type switch
        {
            TypedParameterType.Int32 => new TypedParameter(name, native->Int),
            TypedParameterType.UInt32 => new TypedParameter(name, native->UInt),
            TypedParameterType.Int64 => new TypedParameter(name, native->LLong),
            TypedParameterType.UInt64 => new TypedParameter(name, native->ULLong),
            TypedParameterType.Double => new TypedParameter(name, native->Double),
            TypedParameterType.Boolean => new TypedParameter(name, native->Boolean != 0),
            TypedParameterType.String => new TypedParameter(name, Interop.BorrowString(native->String) ?? ""),
            // A type newer than this binding: kept, with its 8 bytes, but none of the As… methods reads it.
            var type => new TypedParameter(name, type, native->ULLong, null),
        };
    }
}
