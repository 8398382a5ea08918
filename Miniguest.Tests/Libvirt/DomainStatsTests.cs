using System.Runtime.InteropServices;
using Miniguest.Libvirt;

namespace Miniguest.Tests.Libvirt;

/// <summary>Bulk domain statistics (<c>virConnectGetAllDomainStats</c>) against <c>test:///default</c>, whose driver
/// (libvirt 9.0) fills the state group only: <c>state.state</c> and <c>state.reason</c>, both <c>int</c>.</summary>
[TestFixture, Category(TestCategories.Libvirt)]
public sealed unsafe partial class DomainStatsTests
{
    private const string TestUri = "test:///default";

    private Connection _connection = null!;

    [SetUp]
    public void Open() => _connection = Connection.Open(TestUri);

    [TearDown]
    public void Close() => _connection.Dispose();

    [Test]
    public void A_record_names_its_domain_with_its_uuid()
    {
        using var test = _connection.GetDomain("test");
        var record = _connection.GetAllDomainStats(DomainStatsTypes.State).Single(r => r.Name == "test");
        Assert.That(record.Uuid, Is.EqualTo(test.Uuid).And.Not.EqualTo(Guid.Empty));
    }

    [Test]
    public void State_stats_of_the_running_test_domain_say_running_as_an_int()
    {
        var record = _connection.GetAllDomainStats(DomainStatsTypes.State).Single(r => r.Name == "test");
        Assert.That(record.TryGetParameter("state.state", out var state), Is.True);
        using (Assert.EnterMultipleScope())
        {
            // Read from the union at offset 88, with the type at offset 80: a wrong layout reads neither.
            Assert.That(state.Type, Is.EqualTo(TypedParameterType.Int32));
            Assert.That(state.Value, Is.EqualTo((int)DomainState.Running));
            Assert.That(record.UInt64("state.state"), Is.EqualTo((ulong)DomainState.Running));
            Assert.That(record.Int64("state.state"), Is.EqualTo((long)DomainState.Running));
            Assert.That(record.Int64("state.reason"), Is.Zero);
            Assert.That(record.Parameters.Select(p => p.Name), Is.EqualTo(new[] { "state.state", "state.reason" }));
        }
    }

    [Test]
    public void Only_the_groups_asked_for_are_returned()
    {
        var stateAndCpu = _connection.GetAllDomainStats(DomainStatsTypes.State | DomainStatsTypes.CpuTotal)
            .Single(r => r.Name == "test");
        var balloonOnly = _connection.GetAllDomainStats(DomainStatsTypes.Balloon).Single(r => r.Name == "test");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(stateAndCpu.Parameters.Select(p => p.Name), Has.Some.StartsWith("state."));
            Assert.That(stateAndCpu.Parameters.Select(p => p.Name), Has.All.Matches<string>(name =>
                name.StartsWith("state.", StringComparison.Ordinal) || name.StartsWith("cpu.", StringComparison.Ordinal)));
            // The test driver has no balloon group: asked for that alone, the record comes back empty.
            Assert.That(balloonOnly.Parameters, Is.Empty);
            Assert.That(balloonOnly.UInt64("state.state"), Is.Null);
        }
    }

    [Test]
    public void Supported_asks_for_every_group_the_driver_has()
    {
        var record = _connection.GetAllDomainStats(DomainStatsTypes.Supported).Single(r => r.Name == "test");
        Assert.That(record.UInt64("state.state"), Is.EqualTo((ulong)DomainState.Running));
    }

    [Test]
    public void Enforcing_a_group_the_driver_lacks_fails_with_argument_unsupported()
    {
        var error = Assert.Throws<LibvirtException>(() => _connection.GetAllDomainStats(
            DomainStatsTypes.State | DomainStatsTypes.Balloon, ConnectGetAllDomainStatsFlags.EnforceStats));
        Assert.That(error.Code, Is.EqualTo(ErrorCode.ArgumentUnsupported));
    }

    [Test]
    public void An_inactive_domain_is_reported_with_the_inactive_flag_and_not_with_active()
    {
        var name = "stats-" + Guid.NewGuid().ToString("N");
        using var defined = _connection.DefineDomain(
            $"<domain type='test'><name>{name}</name><memory unit='MiB'>64</memory><os><type>hvm</type></os></domain>");
        try
        {
            var inactive = _connection.GetAllDomainStats(DomainStatsTypes.State, ConnectGetAllDomainStatsFlags.Inactive);
            var active = _connection.GetAllDomainStats(DomainStatsTypes.State, ConnectGetAllDomainStatsFlags.Active);
            var all = _connection.GetAllDomainStats(DomainStatsTypes.State);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(inactive.Select(r => r.Name), Does.Contain(name).And.Not.Contain("test"));
                Assert.That(active.Select(r => r.Name), Does.Contain("test").And.Not.Contain(name));
                Assert.That(all.Select(r => r.Name), Does.Contain("test").And.Contain(name));
                var record = inactive.Single(r => r.Name == name);
                Assert.That(record.Uuid, Is.EqualTo(defined.Uuid));
                Assert.That(record.UInt64("state.state"), Is.EqualTo((ulong)DomainState.Shutoff));
            }
        }
        finally
        {
            defined.Undefine();
        }
    }

    [Test]
    public void Records_outlive_the_call_and_the_connection()
    {
        var records = _connection.GetAllDomainStats(DomainStatsTypes.State);
        _connection.Dispose();
        GC.Collect();
        var record = records.Single(r => r.Name == "test");
        Assert.That(record.UInt64("state.state"), Is.EqualTo((ulong)DomainState.Running));
    }

    [Test]
    public void The_native_typed_parameter_is_96_bytes_with_type_at_80_and_value_at_88()
    {
        var parameter = default(Interop.TypedParameterNative);
        var start = (byte*)&parameter;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(sizeof(Interop.TypedParameterNative), Is.EqualTo(96));
            Assert.That((byte*)&parameter.Type - start, Is.EqualTo(80));
            Assert.That((byte*)&parameter.ULLong - start, Is.EqualTo(88));
            Assert.That((byte*)parameter.Field - start, Is.Zero);
            Assert.That(sizeof(Interop.DomainStatsRecordNative), Is.EqualTo(24));
        }
    }

    // libvirt's own virTypedParamsAdd* build the array: every C type, laid out by the real library, read back.
    [Test]
    public void Parameters_of_every_type_that_libvirt_lays_out_read_back_as_written()
    {
        LibvirtLibrary.Load();
        var longName = new string('f', Interop.VIR_TYPED_PARAM_FIELD_LENGTH - 1);
        Interop.TypedParameterNative* parameters = null;
        int count = 0, capacity = 0;
        try
        {
            Assert.That(virTypedParamsAddInt(&parameters, &count, &capacity, "i", -7), Is.Zero);
            Assert.That(virTypedParamsAddUInt(&parameters, &count, &capacity, "ui", 4_000_000_000), Is.Zero);
            Assert.That(virTypedParamsAddLLong(&parameters, &count, &capacity, "l", -5_000_000_000_000), Is.Zero);
            Assert.That(virTypedParamsAddULLong(&parameters, &count, &capacity, "ul", ulong.MaxValue), Is.Zero);
            Assert.That(virTypedParamsAddDouble(&parameters, &count, &capacity, "d", 2.5), Is.Zero);
            Assert.That(virTypedParamsAddBoolean(&parameters, &count, &capacity, "b", 1), Is.Zero);
            Assert.That(virTypedParamsAddString(&parameters, &count, &capacity, "s", "héllo"), Is.Zero);
            Assert.That(virTypedParamsAddULLong(&parameters, &count, &capacity, longName, 42), Is.Zero);
            var read = new TypedParameter[count];
            for (var i = 0; i < count; i++)
            {
                read[i] = TypedParameter.FromNative(&parameters[i]);
            }
            Assert.That(read, Is.EqualTo(new[]
            {
                new TypedParameter("i", -7),
                new TypedParameter("ui", 4_000_000_000u),
                new TypedParameter("l", -5_000_000_000_000L),
                new TypedParameter("ul", ulong.MaxValue),
                new TypedParameter("d", 2.5),
                new TypedParameter("b", true),
                new TypedParameter("s", "héllo"),
                new TypedParameter(longName, 42UL),
            }));
        }
        finally
        {
            virTypedParamsFree(parameters, count);
        }
    }

    [Test]
    public void Accessors_read_any_integer_type_and_refuse_other_kinds()
    {
        var record = new DomainStatsRecord("d", Guid.Empty,
        [
            new TypedParameter("int", 3),
            new TypedParameter("negative", -3),
            new TypedParameter("uint", uint.MaxValue),
            new TypedParameter("llong", -4L),
            new TypedParameter("ullong", ulong.MaxValue),
            new TypedParameter("double", 0.5),
            new TypedParameter("bool", true),
            new TypedParameter("string", "x"),
        ]);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(record.UInt64("int"), Is.EqualTo(3UL));
            Assert.That(record.UInt64("uint"), Is.EqualTo((ulong)uint.MaxValue));
            Assert.That(record.UInt64("ullong"), Is.EqualTo(ulong.MaxValue));
            Assert.That(record.UInt64("negative"), Is.Null);
            Assert.That(record.UInt64("llong"), Is.Null);
            Assert.That(record.UInt64("double"), Is.Null);
            Assert.That(record.UInt64("string"), Is.Null);
            Assert.That(record.UInt64("missing"), Is.Null);

            Assert.That(record.Int64("negative"), Is.EqualTo(-3L));
            Assert.That(record.Int64("llong"), Is.EqualTo(-4L));
            Assert.That(record.Int64("uint"), Is.EqualTo((long)uint.MaxValue));
            Assert.That(record.Int64("ullong"), Is.Null, "beyond long.MaxValue");
            Assert.That(record.Int64("bool"), Is.Null);

            Assert.That(record.Double("double"), Is.EqualTo(0.5));
            Assert.That(record.Double("negative"), Is.EqualTo(-3.0));
            Assert.That(record.Double("string"), Is.Null);

            Assert.That(record.Boolean("bool"), Is.True);
            Assert.That(record.Boolean("int"), Is.Null);
            Assert.That(record.String("string"), Is.EqualTo("x"));
            Assert.That(record.String("int"), Is.Null);
            Assert.That(record.String("missing"), Is.Null);
        }
    }

    [LibraryImport("libvirt.so.0", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int virTypedParamsAddInt(Interop.TypedParameterNative** parameters, int* count, int* capacity,
        string name, int value);

    [LibraryImport("libvirt.so.0", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int virTypedParamsAddUInt(Interop.TypedParameterNative** parameters, int* count, int* capacity,
        string name, uint value);

    [LibraryImport("libvirt.so.0", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int virTypedParamsAddLLong(Interop.TypedParameterNative** parameters, int* count, int* capacity,
        string name, long value);

    [LibraryImport("libvirt.so.0", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int virTypedParamsAddULLong(Interop.TypedParameterNative** parameters, int* count, int* capacity,
        string name, ulong value);

    [LibraryImport("libvirt.so.0", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int virTypedParamsAddDouble(Interop.TypedParameterNative** parameters, int* count, int* capacity,
        string name, double value);

    [LibraryImport("libvirt.so.0", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int virTypedParamsAddBoolean(Interop.TypedParameterNative** parameters, int* count, int* capacity,
        string name, int value);

    [LibraryImport("libvirt.so.0", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int virTypedParamsAddString(Interop.TypedParameterNative** parameters, int* count, int* capacity,
        string name, string value);

    [LibraryImport("libvirt.so.0")]
    private static partial void virTypedParamsFree(Interop.TypedParameterNative* parameters, int count);
}
