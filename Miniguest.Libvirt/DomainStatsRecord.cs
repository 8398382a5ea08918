namespace Miniguest.Libvirt;

/// <summary>
/// One domain's statistics from <see cref="Connection.GetAllDomainStats"/> (<c>virDomainStatsRecord</c>), copied
/// out of libvirt: the parameters in libvirt's order, such as <c>state.state</c>, <c>cpu.time</c>,
/// <c>balloon.rss</c>, <c>net.0.rx.bytes</c> or <c>block.0.wr.bytes</c>. The fields each driver fills are listed in
/// libvirt's documentation of <c>virConnectGetAllDomainStats</c>.
/// </summary>
public sealed class DomainStatsRecord
{
    private readonly Dictionary<string, TypedParameter> _byName;

    /// <summary>A record of <paramref name="parameters"/>; where a field repeats, the first one counts.</summary>
    public DomainStatsRecord(string name, Guid uuid, IReadOnlyList<TypedParameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(parameters);
        Name = name;
        Uuid = uuid;
        Parameters = parameters;
        _byName = new Dictionary<string, TypedParameter>(parameters.Count, StringComparer.Ordinal);
        foreach (var parameter in parameters)
        {
            _byName.TryAdd(parameter.Name, parameter);
        }
    }

    /// <summary>The domain's name.</summary>
    public string Name { get; }

    /// <summary>The domain's UUID.</summary>
    public Guid Uuid { get; }

    /// <summary>Every parameter, in libvirt's order.</summary>
    public IReadOnlyList<TypedParameter> Parameters { get; }

    /// <summary>The parameter named <paramref name="field"/>; <see langword="false"/> when the record has none.</summary>
    public bool TryGetParameter(string field, out TypedParameter parameter)
    {
        ArgumentNullException.ThrowIfNull(field);
        return _byName.TryGetValue(field, out parameter);
    }

    /// <summary>An integer field of any C type that is not negative; <see langword="null"/> when the record has no
    /// such field, or it holds something else.</summary>
    public ulong? UInt64(string field) => TryGetParameter(field, out var parameter) ? parameter.AsUInt64() : null;

    /// <summary>An integer field of any C type that fits a <see cref="long"/>; <see langword="null"/> when the record
    /// has no such field, or it holds something else.</summary>
    public long? Int64(string field) => TryGetParameter(field, out var parameter) ? parameter.AsInt64() : null;

    /// <summary>A <c>double</c> or integer field; <see langword="null"/> when the record has no such field, or it
    /// holds something else.</summary>
    public double? Double(string field) => TryGetParameter(field, out var parameter) ? parameter.AsDouble() : null;

    /// <summary>A string field; <see langword="null"/> when the record has no such field, or it holds something
    /// else.</summary>
    public string? String(string field) => TryGetParameter(field, out var parameter) ? parameter.AsString() : null;

    /// <summary>A boolean field; <see langword="null"/> when the record has no such field, or it holds something
    /// else.</summary>
    public bool? Boolean(string field) => TryGetParameter(field, out var parameter) ? parameter.AsBoolean() : null;

    /// <summary>Copies a record that libvirt owns, and its parameters, into managed memory. The domain pointer is
    /// read, not kept: the list owns it.</summary>
    internal static unsafe DomainStatsRecord FromNative(Interop.DomainStatsRecordNative* native, byte* uuidBuffer)
    {
        var name = Interop.BorrowString(Interop.virDomainGetName(native->Domain))
            ?? throw LibvirtException.FromLastError("virDomainGetName");
        Ensure.Success(Interop.virDomainGetUUIDString(native->Domain, uuidBuffer), "virDomainGetUUIDString");
        var uuid = Guid.Parse(new ReadOnlySpan<byte>(uuidBuffer, Interop.VIR_UUID_STRING_BUFLEN - 1));
        var parameters = new TypedParameter[native->ParamCount];
        for (var i = 0; i < parameters.Length; i++)
        {
            parameters[i] = TypedParameter.FromNative(&native->Params[i]);
        }
        return new DomainStatsRecord(name, uuid, parameters);
    }
}
