#!/usr/bin/env bash
# Paired ensembles of this checkout (world engine) against an earlier release (default 3eef51f),
# as whole processes, alternately A B A B, with /usr/bin/time; prints one line per process.
# Compare the ratios of the two columns, pair by pair: the machine is shared.
#
#   benchmarks/release_pairs.sh flagship|finance [RUNS] [PAIRS] [REV]
#
# Run from the project root, with ../shared/tools/release-venv beside it (it builds the
# release's venv once). Every process writes its own --out folder, removed afterwards.
set -eu
pair=${1:?flagship or finance}
runs=${2:-1000}
repeats=${3:-3}
old=$(../shared/tools/release-venv "${4:-3eef51f}")
python=${PYTHON:-.venv/bin/python}
case $pair in
  flagship) names="status-quo cjng-leader-killed" ;;
  finance) names="status-quo-money-protection hvt-plus-finance-protection" ;;
  *) echo "error: pair must be flagship or finance, got '$pair'" >&2; exit 2 ;;
esac
new_files=""; old_files=""
for name in $names; do
  new_files="$new_files benchmarks/scenarios/world-$name.toml"
  old_files="$old_files $old/src/scenarios/$name.toml"
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
measure() {  # label, command...
  local label=$1; shift
  rm -rf "$out/ens"
  /usr/bin/time -f "$label wall_s=%e user_s=%U sys_s=%S max_rss_kb=%M" "$@" \
    --runs "$runs" --seed 7 --executor processes --out "$out/ens" >/dev/null 2>"$out/err" \
    || { cat "$out/err" >&2; exit 1; }
  tail -n 1 "$out/err"
}
echo "# $(date -u '+%F %T UTC'), load: $(cut -d' ' -f1-3 /proc/loadavg), $pair, $runs runs each"
# one untimed warm-up each (Numba's cache, file system cache)
measure warmup-new env PYTHONPATH=src "$python" -m cartelsim ensemble $new_files >/dev/null
measure warmup-old "$old/venv/bin/cartelsim" ensemble $old_files >/dev/null
for _ in $(seq "$repeats"); do
  measure new env PYTHONPATH=src "$python" -m cartelsim ensemble $new_files
  measure old "$old/venv/bin/cartelsim" ensemble $old_files
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
