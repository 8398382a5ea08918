using System.Text.Json.Nodes;

namespace Miniguest.Tests.Nix;

/// <summary>
/// nix/facts.nix, what the flake's checks hold evaluated guests to, evaluated by the real nix against file-system entries
/// and settings shaped as NixOS completes them (NixOS adds <c>x-initrd.mount</c> to every file system needed for boot),
/// so that a comparison too strict for a real NixOS evaluation, or too loose to notice a missing option, fails here.
/// </summary>
[TestFixture, Category(TestCategories.Nix)]
public sealed class NixFactsTests
{
    private static readonly string Facts = NixLib.Import("nix/facts.nix");

    // The three VM guests of nix/checks.nix: 9p with the scripted stage 1, virtiofs with the systemd one, and a writable
    // store, whose share is mounted below the overlay.
    private static IEnumerable<TestCaseData> Guests() =>
    [
        new TestCaseData("9p", "/nix/store").SetArgDisplayNames("9p, scripted stage 1"),
        new TestCaseData("virtiofs", "/nix/store").SetArgDisplayNames("virtiofs, systemd stage 1"),
        new TestCaseData("9p", "/nix/.ro-store").SetArgDisplayNames("writable store"),
    ];

    [TestCaseSource(nameof(Guests))]
    public async Task The_share_facts_hold_for_shares_as_NixOS_completes_them(string fsType, string storeAt)
    {
        var failures = await ShareFailuresAsync(fsType, storeAt, "options: [ \"x-initrd.mount\" ] ++ options");
        Assert.That(failures, Is.Empty);
    }

    [TestCase("x-systemd.after=systemd-modules-load.service")]
    [TestCase("ro")]
    public async Task A_share_without_one_of_the_modules_options_fails_its_fact(string missing)
    {
        var failures = await ShareFailuresAsync("virtiofs", "/nix/store",
            $"options: [ \"x-initrd.mount\" ] ++ builtins.filter (option: option != {NixLib.Literal(missing)}) options");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(failures, Has.Some.StartsWith("the /nix/store share's options"));
            Assert.That(failures, Has.Some.StartsWith("the /boot share's options"));
        }
    }

    [Test]
    public async Task A_share_of_the_other_type_fails_its_fact()
    {
        var failures = await ShareFailuresAsync("9p", "/nix/store", "options: options", mountedAs: "virtiofs");
        Assert.That(failures, Has.Some.StartsWith("the /nix/store share is"));
    }

    [Test]
    public async Task The_container_facts_hold_for_the_modules_settings_and_fail_for_nspawns()
    {
        var ours = await ContainerFailuresAsync("lib.containerSettings.useHostResolvConf", "lib.containerSettings.nixRemote",
            "lib.containerSettings.buildUsersGroup");
        var nspawns = await ContainerFailuresAsync("true", "\"daemon\"", "\"nixbld\"");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ours, Is.Empty);
            Assert.That(nspawns, Has.Some.StartsWith("the resolver").And.Some.StartsWith("NIX_REMOTE").And.Some.StartsWith("Nix's build-users-group"));
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task The_host_facts_hold_for_the_modules_unit(bool remote)
    {
        var failures = await HostFailuresAsync(remote, "lib.declarativeUnitOrder { inherit remote; }", "\"shutdown\"", "lib.shutdownUris uris");
        Assert.That(failures, Is.Empty);
    }

    [Test]
    public async Task The_host_facts_fail_for_the_unit_and_libvirt_settings_of_before()
    {
        // The unit as it was: after libvirtd alone, no tools, and libvirt's suspend of only the default URI's guests.
        var failures = await HostFailuresAsync(remote: true,
            """{ after = [ "libvirtd.service" ]; requires = [ "libvirtd.service" ]; wants = [ ]; before = [ ]; }""", "\"suspend\"", "\"default\"",
            path: "[ ]");
        Assert.That(failures, Has.Some.StartsWith("the unit's order").And.Some.StartsWith("the unit's tools")
            .And.Some.StartsWith("what libvirt does").And.Some.StartsWith("the URIs libvirt-guests"));
    }

    [Test]
    public async Task The_ssh_host_key_facts_hold_for_the_modules_unit()
    {
        var failures = await SshHostKeyFailuresAsync("lib.sshHostKeyService { inherit credential sshKeygen; }", "[ lib.sshHostKey ]");
        Assert.That(failures, Is.Empty);
    }

    [Test]
    public async Task The_ssh_host_key_facts_fail_for_another_credential_no_order_and_nixoss_own_keys()
    {
        // A unit that loads another credential, in no order with sshd and not required by it, and NixOS's default host keys.
        var failures = await SshHostKeyFailuresAsync(
            """(lib.sshHostKeyService { credential = "other"; inherit sshKeygen; }) // { before = [ ]; requiredBy = [ ]; }""",
            """[ { type = "rsa"; bits = 4096; path = "/etc/ssh/ssh_host_rsa_key"; } lib.sshHostKey ]""");
        Assert.That(failures, Has.Some.StartsWith("the SSH host key's credential").And.Some.StartsWith("the SSH host key's unit before sshd")
            .And.Some.StartsWith("sshd's requirement of the SSH host key").And.Some.StartsWith("the SSH host key's installation")
            .And.Some.StartsWith("sshd's host keys"));
    }

    // The failed facts of a guest whose SSH host key comes from a credential: its unit `unit` (a Nix expression in
    // `credential` and `sshKeygen`), completed with the defaults NixOS gives a unit's other options, and sshd's `hostKeys`.
    private static async Task<string[]> SshHostKeyFailuresAsync(string unit, string hostKeys)
    {
        var expression = $$"""
            let
              facts = {{Facts}};
              credential = "ssh_host_ed25519_key";
              openssh = "/nix/store/00000000000000000000000000000000-openssh";
              sshKeygen = "${openssh}/bin/ssh-keygen";
            in
            facts.failures (facts.sshHostKeyFacts {
              inherit credential;
              config = {
                systemd.services.miniguest-ssh-host-key = { after = [ ]; wants = [ ]; requires = [ ]; environment = { }; path = [ ]; } // {{unit}};
                services.openssh.hostKeys = {{hostKeys}};
                programs.ssh.package = openssh;
              };
            })
            """;
        return Strings(await NixLib.EvalAsync(expression));
    }

    // The failed host facts of a host whose unit has the order `order` (a Nix expression in `remote`), the tools `path`,
    // libvirtd's `onShutdown` and libvirt-guests' URIS `uris` (in `uris`, the guests' URIs).
    private static async Task<string[]> HostFailuresAsync(bool remote, string order, string onShutdown, string urisValue,
        string path = """[ { pname = "nix"; } { pname = "openssh"; } ]""")
    {
        var expression = $$"""
            let
              facts = {{Facts}};
              remote = {{(remote ? "true" : "false")}};
              uris = [ "qemu:///system" "lxc:///" ] ++ (if remote then [ "qemu+ssh://root@web1/system" ] else [ ]);
            in
            facts.failures (facts.hostFacts {
              inherit remote uris;
              config = {
                systemd.services.miniguest-declarative = {{order}} // { wantedBy = [ "multi-user.target" ]; path = {{path}}; };
                systemd.services.libvirt-guests.environment.URIS = {{urisValue}};
                virtualisation.libvirtd.onShutdown = {{onShutdown}};
              };
            })
            """;
        return Strings(await NixLib.EvalAsync(expression));
    }

    /// <summary>
    /// The failed facts of a VM's two shares, each an entry as the guest module defines it (tag, type, needed for boot,
    /// options from nix/lib.nix) passed through <paramref name="complete"/>, a Nix function of the options.
    /// </summary>
    private static async Task<string[]> ShareFailuresAsync(string fsType, string storeAt, string complete, string? mountedAs = null)
    {
        var expression = $$"""
            let
              facts = {{Facts}};
              fsType = {{NixLib.Literal(fsType)}};
              complete = {{complete}};
              share = tag: {
                device = tag;
                fsType = {{NixLib.Literal(mountedAs ?? fsType)}};
                neededForBoot = true;
                options = complete (lib.shareMountOptions { inherit fsType; });
              };
              config = {
                boot.miniguest.qemu = { inherit (lib.defaults) msize cache; };
                fileSystems = {
                  {{NixLib.Literal(storeAt)}} = share lib.shareTags.store;
                  "/boot" = share lib.shareTags.boot;
                };
              };
            in
            facts.failures (
              facts.shareFacts { what = {{NixLib.Literal(storeAt)}}; inherit config fsType; tag = lib.shareTags.store; }
              // facts.shareFacts { what = "/boot"; inherit config fsType; tag = lib.shareTags.boot; })
            """;
        return Strings(await NixLib.EvalAsync(expression));
    }

    [TestCase("qemu")]
    [TestCase("lxc")]
    public async Task The_agent_facts_hold_for_the_modules_unit_and_fail_for_another_channel(string guestType)
    {
        var ours = await AgentFailuresAsync(guestType,
            $"lib.agentService {{ guestType = {NixLib.Literal(guestType)}; shell = \"/bin/sh\"; agent = \"/nix/store/agent\"; path = [ ]; }}", gettyEnabled: false);
        var other = await AgentFailuresAsync(guestType, "{ serviceConfig.ExecStart = \"/bin/sh /nix/store/agent /dev/ttyS1\"; wantedBy = [ ]; }",
            gettyEnabled: true);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ours, Is.Empty);
            Assert.That(other, Has.Some.StartsWith("the agent's channel").And.Some.StartsWith("the agent's start"));
            Assert.That(other.Any(failure => failure.StartsWith("no getty on the agent's console", StringComparison.Ordinal)), Is.EqualTo(guestType == "lxc"));
            Assert.That(other, Has.Some.StartsWith(guestType == "lxc" ? "the agent only where its console is" : "the agent waits for its port"),
                "an older domain without the channel: no unit failing again and again");
        }
    }

    [Test]
    public async Task The_agents_channel_is_the_one_the_host_opens_and_it_answers_as_the_host_expects()
    {
        var port = await NixLib.EvalAsync("lib.agentPort");
        var vm = await NixLib.EvalAsync("lib.agentDevice \"qemu\"");
        var script = await File.ReadAllTextAsync(Repository.PathOf("nix/guest-agent.sh"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(port!.GetValue<string>(), Is.EqualTo(Miniguest.Core.GuestChannel.PortName));
            Assert.That(vm!.GetValue<string>(), Is.EqualTo("/dev/virtio-ports/" + Miniguest.Core.GuestChannel.PortName));
            Assert.That(script, Does.Contain($"hello) reply \"{Miniguest.Core.GuestChannel.Hello}\""));
        }
    }

    private static async Task<string[]> AgentFailuresAsync(string guestType, string unit, bool gettyEnabled)
    {
        var expression = $$"""
            let facts = {{Facts}}; in
            facts.failures (facts.agentFacts {
              guestType = {{NixLib.Literal(guestType)}};
              config.systemd.services = {
                miniguest-agent = {{unit}};
                ${lib.agentConsoleGetty}.enable = {{(gettyEnabled ? "true" : "false")}};
              };
            })
            """;
        return Strings(await NixLib.EvalAsync(expression));
    }

    private static async Task<string[]> ContainerFailuresAsync(string useHostResolvConf, string nixRemote, string buildUsersGroup)
    {
        var expression = $$"""
            let facts = {{Facts}}; in
            facts.failures (facts.containerFacts {
              config = {
                boot.isContainer = true;
                networking.useHostResolvConf = {{useHostResolvConf}};
                environment.variables.NIX_REMOTE = {{nixRemote}};
                nix.settings.build-users-group = {{buildUsersGroup}};
                system.build.miniguest.configJson = lib.configJson { guestType = "lxc"; };
              };
            })
            """;
        return Strings(await NixLib.EvalAsync(expression));
    }

    private static string[] Strings(JsonNode? node) =>
        node?.AsArray().Select(item => item!.GetValue<string>()).ToArray() ?? throw new InvalidOperationException("null instead of a list");
}
