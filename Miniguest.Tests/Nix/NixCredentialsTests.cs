using System.Text.Json.Nodes;
using Miniguest.Core;

namespace Miniguest.Tests.Nix;

/// <summary>
/// The credentials of nix/lib.nix, evaluated by the real nix: what the host module refuses in a declared guest's
/// credentials, what the manifest hands to <c>miniguest apply</c>, and the guest module's unit that installs an SSH host
/// key from a credential, whose script runs here as NixOS runs it.
/// </summary>
[TestFixture, Category(TestCategories.Nix)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class NixCredentialsTests
{
    private const string HostKeyCredential = "ssh_host_ed25519_key";

    // A guest of the manifest as the host module gives it, but for its credentials.
    private const string Guest = "uri = null; memory = 1024; vcpus = 1; network = null; autostart = false; restartIfChanged = true;";

    private string _scratch = "";

    [SetUp]
    public void CreateScratch() => _scratch = Directory.CreateTempSubdirectory("miniguest-nix-credentials-").FullName;

    [TearDown]
    public void RemoveScratch() => Directory.Delete(_scratch, recursive: true);

    [Test]
    public async Task The_manifest_carries_a_guests_credentials_by_id_and_none_for_a_guest_without()
    {
        var manifest = JsonNode.Parse(await NixLib.EvalStringAsync($$"""
            lib.declarativeManifest {
              web = { {{Guest}} credentials = { ssh_host_ed25519_key = "/run/secrets/web-host-key"; "db.password" = "/run/agenix/db"; }; };
              db = { {{Guest}} };
            }
            """));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(JsonNode.DeepEquals(manifest?["guests"]?["web"]?["credentials"],
                JsonNode.Parse("""{ "ssh_host_ed25519_key": "/run/secrets/web-host-key", "db.password": "/run/agenix/db" }""")), Is.True,
                manifest?.ToJsonString());
            // As with shares: the manifest writes every key, an empty set for none.
            Assert.That(JsonNode.DeepEquals(manifest?["guests"]?["db"]?["credentials"], new JsonObject()), Is.True, manifest?.ToJsonString());
        }
    }

    private static IEnumerable<TestCaseData> Credentials() =>
    [
        new TestCaseData("""{ ssh_host_ed25519_key = "/run/secrets/web-host-key"; "db.password" = "/run/agenix/db"; _x-1 = "/etc/web/key"; }""", null)
            .SetArgDisplayNames("good ones"),
        new TestCaseData($$"""{ {{new string('k', 28)}} = "/run/k"; }""", null).SetArgDisplayNames("an ID of 28 characters"),
        new TestCaseData($$"""{ {{new string('k', 29)}} = "/run/k"; }""", $"miniguests.web.credentials: '{new string('k', 29)}' is not a credential ID")
            .SetArgDisplayNames("an ID of 29 characters"),
        new TestCaseData("""{ ".key" = "/run/k"; }""", "miniguests.web.credentials: '.key' is not a credential ID").SetArgDisplayNames("an ID starting with ."),
        new TestCaseData("""{ "-key" = "/run/k"; }""", "miniguests.web.credentials: '-key' is not a credential ID").SetArgDisplayNames("an ID starting with -"),
        new TestCaseData("""{ "a/b" = "/run/k"; }""", "miniguests.web.credentials: 'a/b' is not a credential ID").SetArgDisplayNames("an ID with a /"),
        new TestCaseData("""{ "a:b" = "/run/k"; }""", "miniguests.web.credentials: 'a:b' is not a credential ID").SetArgDisplayNames("an ID with a :"),
        new TestCaseData("""{ "" = "/run/k"; }""", "miniguests.web.credentials: '' is not a credential ID").SetArgDisplayNames("an empty ID"),
        new TestCaseData("""{ key = "run/secrets/web"; }""", "miniguests.web.credentials.key: 'run/secrets/web' is not an absolute path")
            .SetArgDisplayNames("a relative path"),
        new TestCaseData("""{ key = "/run/../nix/store/0000-key"; }""", "miniguests.web.credentials.key: '/run/../nix/store/0000-key' is not an absolute path")
            .SetArgDisplayNames("a .. part"),
        new TestCaseData("""{ key = "/nix/store/0000-key"; }""", "miniguests.web.credentials.key: /nix/store/0000-key is in the Nix store")
            .SetArgDisplayNames("a file in the store"),
    ];

    [TestCaseSource(nameof(Credentials))]
    public async Task The_host_module_refuses_a_credential_in_words_naming_the_guest_and_the_id(string credentials, string? refusal)
    {
        var problems = Strings(await NixLib.EvalAsync($"lib.credentialProblems {{ guest = \"web\"; credentials = {credentials}; }}"));
        Assert.That(problems, refusal is null ? Is.Empty : Has.Exactly(1).Items.And.All.StartsWith(refusal));
    }

    [Test]
    public void The_manifest_refuses_what_the_host_module_refuses()
    {
        var error = Assert.ThrowsAsync<NixException>(() =>
            NixLib.EvalStringAsync($$"""lib.declarativeManifest { web = { {{Guest}} credentials = { key = "run/secrets/web"; }; }; }"""));
        Assert.That(error.Message, Does.Contain("miniguests.web.credentials.key: 'run/secrets/web' is not an absolute path"));
    }

    [Test]
    public async Task A_nix_path_as_a_credential_is_refused_and_never_copied_into_the_store()
    {
        // A name no store path has: were the secret copied, the store would have a path ending in it.
        var secret = Path.Combine(_scratch, $"miniguest-secret-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(secret, "not for the store");
        var credentials = $"{{ key = /. + {NixLib.Literal(secret)}; }}";

        var problems = Strings(await NixLib.EvalAsync($"lib.credentialProblems {{ guest = \"web\"; credentials = {credentials}; }}"));
        var manifestError = "none: the manifest was written";
        try
        {
            await NixLib.EvalStringAsync($"lib.declarativeManifest {{ web = {{ {Guest} credentials = {credentials}; }}; }}");
        }
        catch (NixException e)
        {
            manifestError = e.Message;
        }

        var refusal = $"miniguests.web.credentials.key: {secret} is a Nix path, which would copy the secret into the store";
        using (Assert.EnterMultipleScope())
        {
            Assert.That(problems, Has.Exactly(1).Items.And.All.StartsWith(refusal));
            Assert.That(manifestError, Does.Contain(refusal));
            Assert.That(Directory.EnumerateFileSystemEntries("/nix/store", "*-" + Path.GetFileName(secret)), Is.Empty, "the secret's copy in the store");
        }
    }

    [Test]
    public async Task The_longest_credential_id_fills_a_fw_cfg_name()
    {
        // QEMU's fw_cfg file names are at most 55 bytes (FW_CFG_MAX_FILE_PATH, 56 with the NUL); systemd reads a VM's
        // credentials from opt/io.systemd.credentials/ID.
        const int fwCfgNameMax = 55;
        var longest = new string('k', 28);
        var problems = Strings(await NixLib.EvalAsync($"lib.credentialProblems {{ guest = \"web\"; credentials = {{ {longest} = \"/run/k\"; }}; }}"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(problems, Is.Empty);
            Assert.That($"opt/io.systemd.credentials/{longest}", Has.Length.EqualTo(fwCfgNameMax));
        }
    }

    [Test]
    public async Task The_ssh_host_key_unit_loads_the_credential_at_boot_before_sshd_and_its_key_generator_which_require_it()
    {
        var unit = await NixLib.EvalAsync($"lib.sshHostKeyService {{ credential = {NixLib.Literal(HostKeyCredential)}; sshKeygen = \"ssh-keygen\"; }}");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(unit?["serviceConfig"]?["LoadCredential"]?.GetValue<string>(), Is.EqualTo(HostKeyCredential),
                "an ID alone: the system credential of that ID");
            Assert.That(unit?["serviceConfig"]?["Type"]?.GetValue<string>(), Is.EqualTo("oneshot"));
            Assert.That(unit?["serviceConfig"]?["RemainAfterExit"]?.GetValue<bool>(), Is.True);
            Assert.That(Strings(unit?["wantedBy"]), Is.EqualTo(new[] { "multi-user.target" }));
            Assert.That(Strings(unit?["before"]), Is.EquivalentTo(new[] { "sshd.service", "sshd-keygen.service" }));
            Assert.That(Strings(unit?["requiredBy"]), Is.EquivalentTo(new[] { "sshd.service", "sshd-keygen.service" }),
                "without the key, no sshd and no key made up in its place");
        }
    }

    [Test]
    public async Task Sshd_has_one_host_key_the_ed25519_one_the_unit_installs()
    {
        var key = await NixLib.EvalAsync("lib.sshHostKey");
        Assert.That(JsonNode.DeepEquals(key, JsonNode.Parse("""{ "type": "ed25519", "path": "/etc/ssh/ssh_host_ed25519_key" }""")), Is.True,
            key?.ToJsonString());
    }

    [Test]
    public async Task The_ssh_host_key_unit_installs_the_credential_for_root_alone_and_its_public_key_beside_it()
    {
        const string privateKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nstub\n-----END OPENSSH PRIVATE KEY-----\n";
        var credentials = Directory.CreateDirectory(Path.Combine(_scratch, "credentials")).FullName;
        await File.WriteAllTextAsync(Path.Combine(credentials, HostKeyCredential), privateKey);
        File.SetUnixFileMode(Path.Combine(credentials, HostKeyCredential), (UnixFileMode)0b110_100_100);
        var keygen = StubKeygen();
        var key = Path.Combine(_scratch, "etc", "ssh", "ssh_host_ed25519_key");

        RunScript(await ScriptAsync(keygen, key), credentials).Ok();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await File.ReadAllTextAsync(key), Is.EqualTo(privateKey));
            Assert.That(File.GetUnixFileMode(key), Is.EqualTo((UnixFileMode)0b110_000_000), "0600");
            Assert.That(await File.ReadAllTextAsync(key + ".pub"), Is.EqualTo("ssh-ed25519 AAAAstub web\n"));
            Assert.That(File.GetUnixFileMode(key + ".pub"), Is.EqualTo((UnixFileMode)0b110_100_100), "0644");
            Assert.That(await File.ReadAllLinesAsync(keygen + ".args"), Is.EqualTo(new[] { "-y", "-f", key }));
        }
    }

    [Test]
    public async Task The_ssh_host_key_unit_fails_without_its_credential_and_installs_nothing()
    {
        var credentials = Directory.CreateDirectory(Path.Combine(_scratch, "credentials")).FullName;
        var key = Path.Combine(_scratch, "etc", "ssh", "ssh_host_ed25519_key");

        var result = RunScript(await ScriptAsync(StubKeygen(), key), credentials).Run();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.ExitCode, Is.Not.Zero);
            Assert.That(File.Exists(key), Is.False);
            Assert.That(File.Exists(key + ".pub"), Is.False);
        }
    }

    // An ssh-keygen that records its arguments beside itself and prints a public key.
    private string StubKeygen()
    {
        var keygen = Path.Combine(_scratch, "ssh-keygen");
        File.WriteAllText(keygen, "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$0.args\"\necho 'ssh-ed25519 AAAAstub web'\n");
        File.SetUnixFileMode(keygen, (UnixFileMode)0b111_101_101);
        return keygen;
    }

    private static Task<string> ScriptAsync(string keygen, string key) =>
        NixLib.EvalStringAsync(
            $"(lib.sshHostKeyService {{ credential = {NixLib.Literal(HostKeyCredential)}; sshKeygen = {NixLib.Literal(keygen)}; keyPath = {NixLib.Literal(key)}; }}).script");

    // As NixOS runs a unit's script: bash -e, with the unit's credentials in $CREDENTIALS_DIRECTORY.
    private static TestCommand RunScript(string script, string credentials) =>
        new("bash", ["-e", "-c", script]) { Environment = new Dictionary<string, string?> { ["CREDENTIALS_DIRECTORY"] = credentials } };

    private static string[] Strings(JsonNode? node) =>
        node?.AsArray().Select(item => item!.GetValue<string>()).ToArray() ?? throw new InvalidOperationException("null instead of a list");
}
