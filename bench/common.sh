# What the benchmarks share (sourced, not run): the miniguest executable as users run it, published as one
# NativeAOT binary, and a host layout of their own with the test guest staged as a flake, Nix offline.
# Needs root, libvirtd and nix (scripts/setup-host). Sets $results, $work (deleted on exit after the
# caller's own `cleanup`, if it defines one), $miniguest and $flake. MINIGUEST=path/to/miniguest skips the
# publishing, to measure a build of one's own.
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
results=$PWD/bench/results
mkdir -p "$results"
work=$(mktemp -d)
chmod 711 "$work"  # a container's mapped root must reach its root directory in there
trap 'if declare -F cleanup >/dev/null; then cleanup; fi; rm -rf "$work"' EXIT

miniguest=${MINIGUEST:-$work/bin/miniguest}
if [ -z "${MINIGUEST:-}" ]; then
  echo "Publishing miniguest (NativeAOT)…"
  dotnet publish Miniguest.Cli -c Release -r linux-x64 -p:PublishAot=true -o "$work/bin" >"$work/publish.log" 2>&1 \
    || { tail -n 20 "$work/publish.log" >&2; exit 1; }
fi

export MINIGUEST_GUESTS_DIR=$work/etc MINIGUEST_PROFILES_DIR=$work/profiles MINIGUEST_STATE_DIR=$work/state
export NIX_CONFIG=$'substituters =\nflake-registry ='
scripts/stage-test-guest "$work/guest" >/dev/null
flake="path:$work/guest"
