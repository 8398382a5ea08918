using Miniguest.Core;
using Miniguest.Libvirt;

namespace Miniguest.Tests.Verbs;

/// <summary>A guest's life through the front door, with libvirt's test driver for libvirt and a recording Nix: define,
/// list, start, stop, autostart and remove, and where each looks. The real-stack tiers boot the same steps for real.</summary>
[TestFixture, System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class GuestLifeTests
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);
    private TestDriverHost _host = null!;

    [SetUp]
    public void CreateHost() => _host = new TestDriverHost();

    [TearDown]
    public void DeleteHost() => _host.Dispose();

    [TestCase(GuestType.Qemu)]
    [TestCase(GuestType.Lxc)]
    public async Task A_guest_is_defined_started_stopped_and_removed_on_the_uri_given(GuestType type)
    {
        const string uri = TestDriverConnector.TestUri;
        var name = _host.NewName(type.ToString().ToLowerInvariant());
        var guest = GuestName.Parse(name);
        var storePath = _host.Install(name, type);

        var defined = await _host.Host.DefineAsync(name, new DomainOptions());
        var recordedUri = File.ReadAllText(_host.Paths.ConnectionUriFile(guest)).Trim();
        var listedStopped = (await _host.Host.ListAsync()).Single(guest => guest.Name == name);
        await _host.Host.StartAsync(name);
        var listedRunning = (await _host.Host.ListAsync()).Single(guest => guest.Name == name);
        var stopped = await _host.Host.StopAsync(name, StopTimeout);
        var removed = await _host.Host.RemoveAsync(name);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(defined.Uri, Is.EqualTo(uri), "the URI given");
            Assert.That(recordedUri, Is.EqualTo(uri), "the URI recorded");
            Assert.That(listedStopped.Status, Is.EqualTo(GuestListStatus.Stopped));
            Assert.That(listedStopped.Generation, Is.EqualTo(1));
            Assert.That(listedStopped.StorePath, Is.EqualTo(storePath));
            Assert.That(listedRunning.Status, Is.EqualTo(GuestListStatus.Current));
            Assert.That(listedRunning.RunningGeneration, Is.EqualTo(1));
            Assert.That(stopped, Is.EqualTo(StopOutcome.ShutDown));
            Assert.That(removed.Installed, Is.True);
            Assert.That(_host.DomainOf(name), Is.Null, "its domain undefined");
            Assert.That(Path.Exists(_host.Paths.Link(guest)), Is.False, "its link gone");
            Assert.That(_host.Libvirt.Opened, Is.All.EqualTo(uri), "no other URI looked at");
            Assert.That(_host.Nix.CommandLines, Is.EqualTo(new[]
            {
                $"build --out-link {_host.Paths.GenerationRoots(guest)}/defined {storePath}",
                $"build --out-link {_host.Paths.GenerationRoots(guest)}/booted {storePath}",
            }), "the generation defined rooted at the definition, the one booted at the start, and Nix asked nothing else");
        }
    }

    [Test]
    public async Task Each_command_connects_once()
    {
        var name = _host.NewName("connect");
        _host.Install(name, GuestType.Qemu);
        var opened = new List<int>();
        async Task Counted(Func<Task> command)
        {
            var before = _host.Libvirt.Opened.Count;
            await command();
            opened.Add(_host.Libvirt.Opened.Count - before);
        }

        await Counted(() => _host.Host.DefineAsync(name, new DomainOptions()));
        await Counted(() => _host.Host.ListAsync());
        await Counted(() => _host.Host.StartAsync(name));
        await Counted(() => _host.Host.StopAsync(name, StopTimeout));
        await Counted(() => Task.FromResult(_host.Host.SetAutostart(name, true)));
        await Counted(() => _host.Host.RemoveAsync(name));

        Assert.That(opened, Is.EqualTo(new[] { 1, 1, 1, 1, 1, 1 }), "define, list, start, stop, autostart, remove");
    }

    [Test]
    public async Task Install_force_over_a_running_guest_redefines_its_domain_on_the_new_generation()
    {
        var name = _host.NewName("install");
        var generations = new Queue<string>([TestDriverHost.Output(GuestType.Qemu, 1), TestDriverHost.Output(GuestType.Qemu, 2)]);
        var (first, second) = (generations.First(), generations.Last());
        _host.Nix.MakingProfiles(_ => generations.Dequeue());
        var reference = InstallableReference.Parse("path:/verbs#guest");

        var installed = await _host.Host.InstallAsync(reference, name);
        await _host.Host.DefineAsync(name, new DomainOptions());
        await _host.Host.StartAsync(name);
        var reinstalled = await _host.Host.InstallAsync(reference, name, force: true);
        var listed = (await _host.Host.ListAsync()).Single(guest => guest.Name == name);
        using var domain = _host.DomainOf(name)!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That((installed.Generation, installed.StorePath), Is.EqualTo((1, first)));
            Assert.That((reinstalled.Generation, reinstalled.StorePath), Is.EqualTo((2, second)));
            Assert.That(reinstalled.Domain, Is.EqualTo(new DomainResync(ResyncOutcome.Updated, RunsOtherGeneration: true, Running: 1, Next: 2)));
            Assert.That((listed.Status, listed.Generation, listed.RunningGeneration), Is.EqualTo((GuestListStatus.Outdated, 2, 1)));
            Assert.That(domain.GetXml(DomainXmlFlags.Inactive), Does.Contain(second), "the next start boots the new generation");
            Assert.That(Directory.GetFileSystemEntries(_host.Paths.Profiles).Select(Path.GetFileName),
                Is.EquivalentTo(new[] { name, $"{name}-1-link", $"{name}-2-link" }), "no staging profile left");
        }
    }

    [Test]
    public async Task An_install_that_nix_fails_leaves_nothing_behind()
    {
        var name = _host.NewName("failed");
        _host.Nix.Failing(["profile", "install"], "error: builder for '/nix/store/x-guest.drv' failed with exit code 1");

        var error = Assert.ThrowsAsync<NixException>(() => _host.Host.InstallAsync(InstallableReference.Parse("path:/verbs#guest"), name));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error!.Message, Does.Contain("failed with exit code 1"));
            Assert.That(Directory.GetFileSystemEntries(_host.Paths.Guests), Is.Empty, "no link");
            Assert.That(Directory.GetFileSystemEntries(_host.Paths.Profiles), Is.Empty, "no profile, staging or not");
            Assert.That(HostSnapshot.Names(_host.Paths.State).Where(entry => entry.Contains(name)), Is.Empty, "no state, no lock");
        }
    }

    [Test]
    public async Task A_guest_asked_for_on_a_connection_that_holds_none_of_its_domains_names_the_one_that_does()
    {
        var name = _host.NewName("elsewhere");
        _host.Install(name, GuestType.Lxc);
        await _host.Host.DefineAsync(name, new DomainOptions());
        var emptyDaemon = Path.Combine(_host.Paths.State, "empty-node.xml");
        File.WriteAllText(emptyDaemon, "<node/>");
        var there = _host.On("test://" + emptyDaemon);

        var error = Assert.ThrowsAsync<GuestDomainElsewhereException>(() => there.StartAsync(name));
        var listed = await there.ListAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error!.Message, Does.Contain($"has its domain on {TestDriverConnector.TestUri}"));
            Assert.That(listed, Is.Empty, "that connection holds none of its domains, and is not its home");
            using var domain = _host.DomainOf(name)!;
            Assert.That(domain.IsActive, Is.False, "nothing started");
        }
    }

    [Test]
    public async Task A_domain_of_the_guest_s_name_that_miniguest_did_not_define_is_left_alone()
    {
        var name = _host.NewName("foreign");
        _host.Install(name, GuestType.Qemu);
        using (_host.Libvirt.Keep.DefineDomain($"<domain type='test'><name>{name}</name><memory>65536</memory><os><type>hvm</type></os></domain>")) { }

        var error = Assert.ThrowsAsync<ForeignDomainException>(() => _host.Host.DefineAsync(name, new DomainOptions()));
        var listed = (await _host.Host.ListAsync()).Single(guest => guest.Name == name);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error!.Message, Does.Contain("was not defined by Miniguest"));
            Assert.That(listed.Status, Is.EqualTo(GuestListStatus.Foreign));
            Assert.That(File.Exists(_host.Paths.DomainUuidFile(GuestName.Parse(name))), Is.False, "nothing recorded of it");
        }
    }

    [Test]
    public void A_listing_on_a_connection_that_cannot_be_reached_fails()
    {
        var name = _host.NewName("unreachable");
        _host.Install(name, GuestType.Qemu);
        _host.Libvirt.Unreachable.Add(TestDriverConnector.TestUri);

        Assert.ThrowsAsync<LibvirtFailedException>(() => _host.Host.ListAsync());
    }

    [Test]
    public async Task A_rollback_under_a_running_guest_says_it_runs_the_newer_generation_until_its_next_start()
    {
        var name = _host.NewName("rollback");
        _host.Install(name, GuestType.Lxc, generation: 1);
        _host.Install(name, GuestType.Lxc, generation: 2);
        await _host.Host.DefineAsync(name, new DomainOptions());
        await _host.Host.StartAsync(name);

        var rollback = await _host.Host.RollbackAsync(name);
        var listed = (await _host.Host.ListAsync()).Single(guest => guest.Name == name);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(rollback.Generation.Number, Is.EqualTo(1));
            Assert.That(rollback.Domain, Is.EqualTo(new DomainResync(ResyncOutcome.Updated, RunsOtherGeneration: true, Running: 2, Next: 1)));
            Assert.That((listed.Status, listed.Generation, listed.RunningGeneration), Is.EqualTo((GuestListStatus.Outdated, 1, 2)));
        }
    }

    [TestCase(GuestType.Qemu)]
    [TestCase(GuestType.Lxc)]
    public async Task Credentials_given_at_create_are_kept_across_definitions_and_a_change_under_a_running_guest_is_said(GuestType type)
    {
        var name = _host.NewName("creds");
        var guest = GuestName.Parse(name);
        _host.Install(name, type);
        byte[] secret = [0x73, 0x65, 0x63, 0x72, 0x65, 0x74, 0x2d, 0x31];

        var first = await _host.Host.DefineAsync(name, new DomainOptions { Credentials = new Dictionary<string, byte[]?> { ["token"] = secret } });
        var kept = await _host.Host.DefineAsync(name, new DomainOptions { MemoryMiB = 300 });
        await _host.Host.StartAsync(name);
        var whileRunning = await _host.Host.DefineAsync(name, new DomainOptions { Credentials = new Dictionary<string, byte[]?> { ["token"] = [1] } });
        var unchangedWhileRunning = await _host.Host.DefineAsync(name, new DomainOptions { MemoryMiB = 300 });
        var xml = _host.DomainOf(name)!.GetXml();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.Definition.Xml, Does.Contain(type == GuestType.Qemu ? "opt/io.systemd.credentials/token" : "CREDENTIALS_DIRECTORY"));
            Assert.That(first.Definition.Xml, Does.Not.Contain("secret-1"), "the XML names the copy, never its content");
            Assert.That(kept.Definition.Xml, Does.Contain(_host.Paths.Credentials(guest)), "a definition that names none keeps it");
            Assert.That(File.ReadAllBytes(Path.Combine(_host.Paths.Credentials(guest), "token")), Is.EqualTo(new byte[] { 1 }));
            Assert.That(whileRunning.CredentialsChangedWhileRunning, Is.True, "the guest runs with the one it started with");
            Assert.That(unchangedWhileRunning.CredentialsChangedWhileRunning, Is.False);
            Assert.That(xml, Does.Contain(_host.Paths.Credentials(guest)));
        }
    }

    [Test]
    public async Task Show_gives_one_guest_whole_with_its_generations_memory_and_vcpus()
    {
        var name = _host.NewName("show");
        _host.Install(name, GuestType.Qemu, generation: 1);
        var second = _host.Install(name, GuestType.Qemu, generation: 2);
        await _host.Host.DefineAsync(name, new DomainOptions { MemoryMiB = 384, VCpus = 2 });

        var details = await _host.Host.ShowAsync(name);

        using (Assert.EnterMultipleScope())
        {
            Assert.That((details.Guest.Status, details.Guest.StorePath), Is.EqualTo((GuestListStatus.Stopped, second)));
            Assert.That((details.Guest.MemoryMiB, details.Guest.VCpus), Is.EqualTo((384, 2)));
            Assert.That(details.Generations.Select(generation => generation.Number), Is.EqualTo(new[] { 1, 2 }));
            Assert.That(() => _host.Host.ShowAsync(_host.NewName("none")), Throws.TypeOf<GuestNotFoundException>());
        }
    }

    [Test]
    public async Task Restart_and_remove_say_whether_they_stopped_a_running_guest_and_a_purge_what_it_deleted()
    {
        var name = _host.NewName("force");
        var guest = GuestName.Parse(name);
        _host.Install(name, GuestType.Lxc);
        await _host.Host.DefineAsync(name, new DomainOptions());

        var fromStopped = await _host.Host.RestartAsync(name, TimeSpan.FromSeconds(5));
        var fromRunning = await _host.Host.RestartAsync(name, TimeSpan.FromSeconds(5));
        var removed = await _host.Host.RemoveAsync(name, force: true);
        var purged = await _host.Host.RemoveAsync(name, purge: true);

        using (Assert.EnterMultipleScope())
        {
            Assert.That((fromStopped, fromRunning), Is.EqualTo((StopOutcome.NotRunning, StopOutcome.ShutDown)));
            Assert.That((removed.ForcedOff, removed.KeptData), Is.EqualTo((true, new[] { _host.Paths.ContainerRoot(guest) })));
            Assert.That((purged.Installed, purged.Purged), Is.EqualTo((false, new[] { _host.Paths.ContainerRoot(guest) })));
            Assert.That(Directory.Exists(_host.Paths.GuestState(guest)), Is.False);
        }
    }

    [Test]
    public async Task Create_says_when_a_running_guest_gets_its_new_definition_only_at_its_next_start_and_refuses_more_vcpus_than_the_host_has()
    {
        var name = _host.NewName("running");
        _host.Install(name, GuestType.Qemu);
        await _host.Host.DefineAsync(name, new DomainOptions { MemoryMiB = 256 });
        await _host.Host.StartAsync(name);

        var changed = await _host.Host.DefineAsync(name, new DomainOptions { MemoryMiB = 512 });
        var same = await _host.Host.DefineAsync(name, new DomainOptions { MemoryMiB = 512 });
        var cpus = _host.Libvirt.Keep.GetNodeInfo().Cpus;

        using (Assert.EnterMultipleScope())
        {
            Assert.That((changed.ChangedWhileRunning, same.ChangedWhileRunning), Is.EqualTo((true, false)));
            Assert.That(() => _host.Host.DefineAsync(name, new DomainOptions { VCpus = (int)cpus + 1 }),
                Throws.TypeOf<InvalidDomainOptionsException>().With.Message.EqualTo($"{cpus + 1} vCPUs are more than the host has CPUs ({cpus})"));
            Assert.That(() => _host.Host.DefineAsync(name, new DomainOptions { VCpus = (int)cpus }), Throws.Nothing);
        }
    }
}
