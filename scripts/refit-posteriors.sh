#!/usr/bin/env bash
# Re-fit the posteriors the package ships and re-make what rests on them, in order
# (docs/calibration.md, "Refitting the shipped posteriors"). Run from the repository root on an
# otherwise idle 2-core machine; each stage runs its two fits side by side, one thread each.
#
#   scripts/refit-posteriors.sh            # every stage
#   STAGES="record" scripts/refit-posteriors.sh   # only some: record territory replay
#
# Stage "record": the record fits to 2024 and to 2021 (the out-of-sample twin), copied into
# src/cartelsim/data/posterior with their identifiability figures.
# Stage "territory": stage 2 (the states), which holds the record posterior's median fixed,
# so it runs after the record fits are in the package.
# Stage "replay": the replay's coverage with posterior draws and at the median, the
# out-of-sample scores and the in-sample coverage (copied to data/validation/summary.csv and
# in_sample.csv, and the figure), the scenario
# baseline of tests/interventions, the territory validation.
# Every command's output and /usr/bin/time figures go to $OUT/NAME.log. What the script does
# not do: read the results and update VALIDATION.md, docs/calibration.md and the README.
set -euo pipefail

OUT=${OUT:-outputs/refit}
BIN=${BIN:-.venv/bin}
STAGES=${STAGES:-"record territory replay"}
RECORD_FIT=${RECORD_FIT:-"--sampler smc --particles 500 --mcmc-steps 15 --search-points 5000 --seed 0"}
TERRITORY_FIT=${TERRITORY_FIT:-"--budget 2000 --seed 0"}
OBSERVED=${OBSERVED:-../shared/data/observed}
PACKAGE=src/cartelsim/data/posterior
export NUMBA_NUM_THREADS=1  # two fits side by side: one core each

mkdir -p "$OUT"
note() { echo "$(date -u +%H:%M:%S) $*"; }
timed() {  # timed NAME COMMAND...: run with its log and figures of time and memory
    local name=$1; shift
    note "start $name: $*"
    /usr/bin/time -v "$@" > "$OUT/$name.log" 2>&1 || { note "FAILED $name (see $OUT/$name.log)"; return 1; }
    note "done $name"
}
side_by_side() {  # side_by_side NAME1 "CMD1" NAME2 "CMD2": both at once, fail if either fails
    timed "$1" $2 & local first=$!
    timed "$3" $4 & local second=$!
    wait $first && wait $second
}
has() { [[ " $STAGES " == *" $1 "* ]]; }
ship() {  # ship STEM...: copy each fit's STEM.csv and STEM.json into the package
    for stem in "$@"; do cp "$OUT/$stem.csv" "$OUT/$stem.json" "$PACKAGE/"; done
}

if has record; then
    side_by_side record-2024 "$BIN/cartelsim calibrate history --out $OUT/record-posterior $RECORD_FIT" \
                 record-2021 "$BIN/cartelsim calibrate history --out $OUT/record-posterior-2021 --until 2021 $RECORD_FIT"
    ship record-posterior record-posterior-2021
    cp "$OUT/record-posterior-identifiability.png" docs/figures/record-identifiability.png
    cp "$OUT/record-posterior-2021-identifiability.png" docs/figures/record-identifiability-2021.png
fi

if has territory; then
    side_by_side territory-2024 "$BIN/cartelsim calibrate territory --out $OUT/territory-posterior $TERRITORY_FIT" \
                 territory-2017 "$BIN/cartelsim calibrate territory --out $OUT/territory-posterior-2017 --until 2017 $TERRITORY_FIT"
    ship territory-posterior territory-posterior-2017
fi

if has replay; then
    export NUMBA_NUM_THREADS=2
    timed history-draws "$BIN/cartelsim" history --out "$OUT/history-draws" --runs 40 --seed 0 --posterior-draws 20
    timed history-median "$BIN/cartelsim" history --out "$OUT/history-median" --runs 40 --seed 0
    timed validate "$BIN/cartelsim" validate --out "$OUT/validate"
    cp "$OUT/validate/summary.csv" "$OUT/validate/in_sample.csv" src/cartelsim/data/validation/
    cp "$OUT/validate/forecast.png" docs/figures/validate-forecast.png
    cp "$OUT/history-draws/history.png" docs/figures/history-calibrated.png
    timed scenario-baseline "$BIN/python" tests/interventions/test_scenario_files.py
    timed territory-validation env PYTHONPATH=src "$BIN/python" -m cartelsim.territory.validation \
        "$OBSERVED" --runs 20 --weeks 52 --seed 0 --calibrated
fi
note "finished: $STAGES (logs in $OUT)"
