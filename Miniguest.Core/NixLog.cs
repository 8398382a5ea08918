using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace Miniguest.Core;

/// <summary>
/// Reads the log of one <c>nix</c> command (<c>--log-format internal-json</c>, one <c>@nix {…}</c> object a line):
/// what it is doing becomes <see cref="NixProgress"/>, its warnings go to the logger, and what it says went wrong is
/// kept whole, with its locations and snippets. In this format Nix leaves the last lines of a failed build's log out
/// of its error; they are put back where Nix prints them.
/// </summary>
internal sealed partial class NixLog(ILogger logger, IProgress<NixProgress>? progress)
{
    private const string Prefix = "@nix ";
    private const int LogTailLines = 10; // Nix's own default for log-lines

    // Nix's activity and result types (src/libutil/logging.hh).
    private const int ActivityBuilds = 104;
    private const int ActivityBuild = 105;
    private const int ResultBuildLogLine = 101;
    private const int ResultProgress = 105;
    private const int ResultPostBuildLogLine = 107;
    private const int LevelInfo = 3;

    private readonly Dictionary<long, Activity> _activities = [];
    private readonly List<string> _errors = [];
    private int _buildsDone;
    private int _buildsExpected;

    /// <summary>What Nix said went wrong, as it prints it; empty if it said nothing.</summary>
    public string Error => string.Join('\n', _errors.Select(WithLogTail)).TrimEnd();

    /// <summary>Whether Nix found its evaluation cache busy: evaluations of one flake that race to write it can fail
    /// (Nix 2.8 then reports attributes "unexpectedly missing").</summary>
    public bool EvalCacheBusy { get; private set; }

    public void Read(string line)
    {
        EvalCacheBusy |= line.Contains("eval-cache", StringComparison.Ordinal) && line.Contains("is busy", StringComparison.Ordinal);
        if (!line.StartsWith(Prefix, StringComparison.Ordinal))
        {
            // Older tools and wrappers may print plain text: it can only be an error.
            _errors.Add(StripAnsi(line));
            logger.LogDebug("nix: {Line}", line);
            return;
        }
        try
        {
            using var entry = JsonDocument.Parse(line.AsMemory(Prefix.Length));
            Read(entry.RootElement);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            _errors.Add(line);
        }
    }

    private void Read(JsonElement entry)
    {
        var level = entry.TryGetProperty("level", out var l) && l.TryGetInt32(out var n) ? n : 0;
        switch (Text(entry, "action"))
        {
            case "msg":
                var message = StripAnsi(Text(entry, "msg") ?? "");
                if (level == 0)
                {
                    _errors.Add(message);
                }
                else if (level == 1)
                {
                    // A retried download is a warning of "error: …": said once, as a warning.
                    logger.LogWarning("nix: {Message}", StripPrefix(StripPrefix(message, "warning:"), "error:"));
                }
                else
                {
                    logger.LogDebug("nix: {Message}", message);
                }
                break;
            case "start":
                Started(entry, level);
                break;
            case "result":
                Result(entry);
                break;
        }
    }

    private void Started(JsonElement entry, int level)
    {
        var id = entry.GetProperty("id").GetInt64();
        var type = entry.TryGetProperty("type", out var t) ? t.GetInt32() : 0;
        var text = StripAnsi(Text(entry, "text") ?? "");
        string? derivation = null;
        if (type == ActivityBuild && entry.TryGetProperty("fields", out var fields) && fields.GetArrayLength() > 0)
        {
            derivation = fields[0].GetString();
        }
        var activity = new Activity(type, derivation, derivation is null ? text : DerivationName(derivation));
        _activities[id] = activity;
        logger.LogDebug("nix: {Activity}", text);
        if (type == ActivityBuild || (level <= LevelInfo && text.Length > 0 && type != ActivityBuilds))
        {
            Report(activity.Name, null);
        }
    }

    private void Result(JsonElement entry)
    {
        if (!entry.TryGetProperty("id", out var id) || !_activities.TryGetValue(id.GetInt64(), out var activity)
            || !entry.TryGetProperty("type", out var t) || !entry.TryGetProperty("fields", out var fields))
        {
            return;
        }
        switch (t.GetInt32())
        {
            case ResultBuildLogLine or ResultPostBuildLogLine when fields.GetArrayLength() > 0:
                var logLine = StripAnsi(fields[0].GetString() ?? "");
                activity.Tail.Enqueue(logLine);
                if (activity.Tail.Count > LogTailLines)
                {
                    activity.Tail.Dequeue();
                }
                logger.LogDebug("{Derivation}> {Line}", activity.Name, logLine);
                Report(activity.Name, logLine);
                break;
            case ResultProgress when activity.Type == ActivityBuilds && fields.GetArrayLength() >= 2:
                _buildsDone = fields[0].GetInt32();
                _buildsExpected = fields[1].GetInt32();
                break;
        }
    }

    private void Report(string activity, string? logLine) =>
        progress?.Report(new NixProgress(_buildsDone, _buildsExpected, activity, logLine));

    // "error: builder for '/nix/store/…-x.drv' failed with exit code 1" gets the log's last lines, as Nix prints them
    // when it writes for a terminal.
    private string WithLogTail(string error)
    {
        if (FailedBuilder().Match(error) is not { Success: true } failed
            || _activities.Values.FirstOrDefault(a => a.Derivation == failed.Groups[1].Value) is not { Tail.Count: > 0 } build)
        {
            return error;
        }
        var text = new StringBuilder(error.TrimEnd().TrimEnd(';')).Append(';').AppendLine();
        text.Append("       last ").Append(build.Tail.Count).AppendLine(build.Tail.Count == 1 ? " log line:" : " log lines:");
        foreach (var line in build.Tail)
        {
            text.Append("       > ").AppendLine(line);
        }
        return text.Append("       For full logs, run 'nix log ").Append(build.Derivation).Append("'.").ToString();
    }

    // /nix/store/<hash>-hello-2.12.drv -> hello-2.12
    private static string DerivationName(string path)
    {
        var name = Path.GetFileName(path);
        var dash = name.IndexOf('-', StringComparison.Ordinal);
        name = dash >= 0 ? name[(dash + 1)..] : name;
        return name.EndsWith(".drv", StringComparison.Ordinal) ? name[..^4] : name;
    }

    private static string? Text(JsonElement entry, string property) =>
        entry.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string StripPrefix(string text, string prefix) =>
        text.StartsWith(prefix, StringComparison.Ordinal) ? text[prefix.Length..].TrimStart() : text;

    internal static string StripAnsi(string text) => AnsiEscape().Replace(text, "");

    [GeneratedRegex("\\x1b\\[[0-9;]*[A-Za-z]")]
    private static partial Regex AnsiEscape();

    [GeneratedRegex("builder for '([^']+\\.drv)' failed")]
    private static partial Regex FailedBuilder();

    private sealed record Activity(int Type, string? Derivation, string Name)
    {
        public Queue<string> Tail { get; } = new();
    }
}
