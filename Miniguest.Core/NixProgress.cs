namespace Miniguest.Core;

/// <summary>What a running <c>nix</c> command is doing, read from its log.</summary>
/// <param name="BuildsDone">Derivations built so far.</param>
/// <param name="BuildsExpected">Derivations this command builds in all (0 until Nix knows).</param>
/// <param name="Activity">What Nix is doing: the name of the derivation being built (<c>hello-2.12</c>), or what it
/// says otherwise (<c>copying path … from 'https://cache.nixos.org'</c>).</param>
/// <param name="LogLine">A line of the build's log, or <see langword="null"/> when the activity just started.</param>
public sealed record NixProgress(int BuildsDone, int BuildsExpected, string Activity, string? LogLine);
