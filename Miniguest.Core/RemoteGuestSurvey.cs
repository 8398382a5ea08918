using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>Lists the guests this host installed on other hosts: every host at once, each asked over SSH for the guests'
/// generations and surveyed through libvirt for their domains, within <see cref="HostTimeout"/>. A host that does not
/// answer in time is a row for each of its guests saying so, never the failure of the whole listing.</summary>
internal static class RemoteGuestSurvey
{
    /// <summary>How long a listing waits for one host.</summary>
    public static readonly TimeSpan HostTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Each remote guest's listing, and the survey of its host's domains to complete it with; no survey where the
    /// listing is complete already (its host did not answer, or holds no profile of it).</summary>
    /// <param name="host">This host: its paths, where it records the domains it defined, and how it reaches libvirt and the
    /// other hosts' agents.</param>
    /// <param name="guests">The guests, each with its host's libvirt URI.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    public static async Task<IReadOnlyList<(GuestName Name, GuestListing Guest, IReadOnlyDictionary<GuestName, GuestDomainInfo>? Survey)>> ListAsync(
        GuestHostContext host, IReadOnlyDictionary<GuestName, string> guests, CancellationToken cancellationToken)
    {
        var hosts = guests.GroupBy(guest => guest.Value, guest => guest.Key, StringComparer.Ordinal)
            .Select(other => ListHostAsync(host, other.Key, [.. other], cancellationToken));
        return [.. (await Task.WhenAll(hosts).ConfigureAwait(false)).SelectMany(rows => rows)];
    }

    private static async Task<IReadOnlyList<(GuestName, GuestListing, IReadOnlyDictionary<GuestName, GuestDomainInfo>?)>> ListHostAsync(
        GuestHostContext host, string uri, IReadOnlyList<GuestName> names, CancellationToken cancellationToken)
    {
        var (paths, connector) = (host.Paths, host.Connector);
        SshTarget target;
        try
        {
            target = SshTarget.FromLibvirtUri(uri) ?? throw new InvalidDomainOptionsException($"'{uri}' is not a URI of another host");
        }
        catch (InvalidDomainOptionsException e)
        {
            return [.. names.Select(name => (name, Row(name, uri, uri, GuestListStatus.Broken, e.Message), (IReadOnlyDictionary<GuestName, GuestDomainInfo>?)null))];
        }
        var nameSet = names.ToHashSet();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(HostTimeout);
        using var remote = host.FilesOn(new GuestSite(uri, target), session: null);
        var generations = remote.ShowAsync(nameSet, timeout.Token);
        // libvirt's calls cannot be interrupted: one that outlasts the limit is left to finish on its own.
        var survey = Task.Run(() =>
        {
            using var connection = connector.OpenReadOnly(uri);
            return new GuestDomainSurvey(paths).Survey(connection, nameSet, withProtection: false);
        }, CancellationToken.None);
        string? problem = null;
        IReadOnlyDictionary<GuestName, InstalledGuest>? found = null;
        IReadOnlyDictionary<GuestName, GuestDomainInfo>? domains = null;
        try
        {
            found = await generations.ConfigureAwait(false);
            await Task.WhenAny(survey, Task.Delay(Timeout.InfiniteTimeSpan, timeout.Token)).ConfigureAwait(false);
            domains = survey.IsCompletedSuccessfully ? survey.Result
                : survey.IsFaulted ? throw new RemoteHostException(target.Host, "libvirt: " + survey.Exception!.InnerException!.Message)
                : throw new RemoteHostException(target.Host, $"libvirt did not answer within {HostTimeout.TotalSeconds:0} s");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            problem = $"{target.Host}: did not answer within {HostTimeout.TotalSeconds:0} s";
        }
        catch (RemoteHostException e)
        {
            problem = e.Message;
        }
        return [.. names.Select(name => problem is not null
            ? (name, Row(name, uri, target.Host, GuestListStatus.Unknown, problem), null)
            : found!.TryGetValue(name, out var installed)
                ? (name, Listed(name, uri, target.Host, installed), domains)
                : (name, Row(name, uri, target.Host, GuestListStatus.Broken, $"{target.Host} holds no profile of '{name}'"), null))];
    }

    // A guest installed there, as this host reads its build: its volumes with the sizes of their images there.
    private static GuestListing Listed(GuestName name, string uri, string host, InstalledGuest installed)
    {
        var config = LocalConfig(installed.Current.StorePath);
        return Row(name, uri, host, GuestListStatus.NotDefined, null) with
        {
            Generation = installed.Current.Number,
            StorePath = installed.Current.StorePath,
            Type = config?.GuestType,
            Source = LocalSource(installed.Current.StorePath),
            Volumes = config is null ? null : GuestVolumes.Describe(RemoteGuestDomains.HostPaths, name, config.GuestType, config.Volumes, installed.VolumeImages),
        };
    }

    private static GuestListing Row(GuestName name, string uri, string host, GuestListStatus status, string? problem) =>
        new() { Name = name.Value, Uri = uri, Host = host, Status = status, Problem = problem };

    // The guest's build is also in this host's store, where it was built, unless this host's garbage collector took it:
    // its configuration and source are read there. The path is the other host's word, so only a store path is read.
    private static GuestConfig? LocalConfig(string storePath) =>
        Try(() => GuestConfig.Load(NixStore.Resolve(Path.Combine(StorePathOrThrow(storePath), GuestConfig.FileName))));

    private static FlakeSource? LocalSource(string storePath) =>
        Try(() => ProfileManifest.ReadSource(Path.Combine(StorePathOrThrow(storePath), ProfileManifest.FileName)));

    private static string StorePathOrThrow(string path) =>
        path.StartsWith(NixStore.DefaultDirectory + "/", StringComparison.Ordinal) && !path.Contains("/..", StringComparison.Ordinal)
            && path.Count(c => c == '/') == 3
            ? path
            : throw new GuestFileException(path, "not a store path");

    private static T? Try<T>(Func<T> read) where T : class
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is GuestFileException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
