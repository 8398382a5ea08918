using Miniguest.Core;

namespace Miniguest.Tests.Unit;

public sealed class ContainerIdsTests
{
    private const uint First = ContainerIds.FirstId;
    private const uint Size = ContainerIds.RangeSize;
    private static readonly IReadOnlyDictionary<string, uint> None = new Dictionary<string, uint>();

    private string _state = "";

    [SetUp]
    public void CreateState() => _state = Directory.CreateTempSubdirectory("miniguest-ids-").FullName;

    [TearDown]
    public void DeleteState() => Directory.Delete(_state, recursive: true);

    private MiniguestPaths Paths => new() { State = _state, Guests = Path.Combine(_state, "etc"), Profiles = Path.Combine(_state, "profiles") };

    // FNV-1a of the name modulo 60000, as containers' ranges were once chosen.
    private static uint HashedRange(string name)
    {
        var hash = 2_166_136_261u;
        foreach (var c in name)
        {
            hash = (hash ^ c) * 16_777_619u;
        }
        return (10 + hash % 60_000) * Size;
    }

    /// <summary>Two names whose ranges the name hash made the same: found by trying names in turn.</summary>
    internal static (string, string) CollidingNames(string prefix)
    {
        var seen = new Dictionary<uint, string>();
        for (var i = 0; ; i++)
        {
            var name = $"{prefix}{i}";
            if (seen.TryGetValue(HashedRange(name), out var other))
            {
                return (other, name);
            }
            seen[HashedRange(name)] = name;
        }
    }

    [Test]
    public void A_new_container_gets_the_lowest_range_no_record_and_no_domain_holds()
    {
        var recorded = new Dictionary<string, uint> { ["a"] = First, ["b"] = First + 2 * Size };
        var guest = GuestName.Parse("new");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ContainerIds.Choose(guest, None, null, []), Is.EqualTo(First));
            Assert.That(ContainerIds.Choose(guest, recorded, null, []), Is.EqualTo(First + Size));
            Assert.That(ContainerIds.Choose(guest, recorded, null, [ContainerIds.Mapping(First + Size)]), Is.EqualTo(First + 3 * Size),
                "another domain's range is taken too");
            Assert.That(ContainerIds.Choose(guest, recorded, null, [new UserNamespaceMapping(First + Size + 5, First + Size + 5, 10)]),
                Is.EqualTo(First + 3 * Size), "so is a range a hand-made domain overlaps");
            Assert.That(ContainerIds.Choose(GuestName.Parse("b"), recorded, ContainerIds.Mapping(First + 9 * Size), [ContainerIds.Mapping(First + 2 * Size)]),
                Is.EqualTo(First + 2 * Size), "a recorded range is the guest's, whatever its domain says");
        }
    }

    [Test]
    public void A_domain_defined_before_ranges_were_recorded_keeps_its_range_and_is_refused_where_another_guest_recorded_it()
    {
        var (one, other) = CollidingNames("web");
        var hashed = ContainerIds.Mapping(HashedRange(one));
        Assert.That(HashedRange(other), Is.EqualTo(hashed.UidTarget), "the name hash gives both the same range");

        var kept = ContainerIds.Choose(GuestName.Parse(one), None, hashed, [hashed]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(kept, Is.EqualTo(hashed.UidTarget), "the first keeps it, though the other's domain maps it too");
            Assert.That(() => ContainerIds.Choose(GuestName.Parse(other), new Dictionary<string, uint> { [one] = kept }, hashed, []),
                Throws.TypeOf<GuestStateException>().With.Message.Contain($"which guest '{one}' holds too"),
                "the second is refused: its root's files belong to that range, which a new one would leave to the first");
            Assert.That(ContainerIds.Choose(GuestName.Parse("x"), None, new UserNamespaceMapping(1000, 1000, Size), []), Is.EqualTo(First),
                "a mapping onto the host's users is not a range to keep");
        }
    }

    [Test]
    public void Allocating_records_the_range_keeps_it_and_never_gives_it_to_another_guest()
    {
        var ids = new ContainerIds(Paths);
        var (one, other) = CollidingNames("db");

        var first = ids.Allocate(GuestName.Parse(one), ContainerIds.Mapping(HashedRange(one)), []);
        var second = ids.Allocate(GuestName.Parse(other), null, []);
        var peeked = ids.Peek(GuestName.Parse("third"), null, []);
        var again = ids.Allocate(GuestName.Parse(one), null, []);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.UidTarget, Is.EqualTo(HashedRange(one)));
            Assert.That(second.UidTarget, Is.Not.EqualTo(first.UidTarget));
            Assert.That(again, Is.EqualTo(first), "kept across re-definitions");
            Assert.That(second.UidTarget, Is.EqualTo(First), "a new container gets the lowest free range");
            Assert.That(peeked.UidTarget, Is.EqualTo(First + Size), "the lowest free one after the others");
            Assert.That(File.Exists(Paths.IdRangeFile(GuestName.Parse("third"))), Is.False, "looking records nothing");
            Assert.That(ids.Recorded(), Is.EqualTo(new Dictionary<string, uint> { [one] = first.UidTarget, [other] = second.UidTarget }));
            Assert.That(File.ReadAllText(Paths.IdRangeFile(GuestName.Parse(one))), Is.EqualTo($"{first.UidTarget}\n"));
        }
    }

    [Test]
    public void Guests_allocating_at_once_get_ranges_of_their_own()
    {
        var names = Enumerable.Range(0, 16).Select(i => GuestName.Parse($"c{i}")).ToList();

        var ranges = names.AsParallel().WithDegreeOfParallelism(8).Select(name => new ContainerIds(Paths).Allocate(name, null, []).UidTarget).ToList();

        Assert.That(ranges.Distinct().Count(), Is.EqualTo(names.Count));
    }

    [TestCase("1000")]
    [TestCase("655361")]
    [TestCase("web")]
    [TestCase("")]
    public void A_record_that_is_not_a_range_is_refused(string text) =>
        Assert.Throws<GuestStateException>(() => ContainerIds.Parse(text, "id-range"));
}
