#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60), two at a time (the machines have 2 cores).
#
#   scripts/fuzz.sh [SECONDS] [TARGET ...]
#
# Seeds come from fuzz/seeds/<target>; the growing corpus lives in fuzz/corpus/<target> and crashes in
# fuzz/artifacts/<target> (both ignored by git: copy the interesting ones to tests/fixtures/robust/corpus/<target>,
# where tests/robust_corpus.rs replays them). Each run's log is fuzz/target/logs/<target>.log; the summary line
# per target gives the executions and whether it crashed.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true
all_targets=(parse scan load_toml load_json load_csv expand check schema preprocess)
if [ "$#" -gt 0 ]; then targets=("$@"); else targets=("${all_targets[@]}"); fi
jobs="${FUZZ_JOBS:-2}"

export RUSTC_BOOTSTRAP=1
# No sanitizer: the code is safe Rust, and uninstrumented runs are several times faster. Debug assertions make
# arithmetic overflow a crash, which is what we want to find.
build_flags=(--sanitizer none --debug-assertions)
cargo fuzz build "${build_flags[@]}"

max_len_for() {
    case "$1" in
        load_*) echo 65536 ;;
        expand | preprocess | check) echo 16384 ;;
        schema) echo 8192 ;;
        *) echo 4096 ;;
    esac
}

mkdir -p fuzz/target/logs
run_one() {
    local target="$1"
    mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target" "fuzz/seeds/$target"
    local log="fuzz/target/logs/$target.log"
    # -timeout: a single input taking over 10 s is a hang; -rss_limit_mb: memory beyond 1 GiB is a blow-up.
    if cargo fuzz run "${build_flags[@]}" "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 -max_len="$(max_len_for "$target")" \
        -print_final_stats=1 >"$log" 2>&1; then
        status=ok
    else
        status=CRASH
    fi
    runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo '?')
    echo "$target: ${seconds}s, ${runs} executions, $status (log: $log)"
}

running=0
for target in "${targets[@]}"; do
    run_one "$target" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n || true
        running=$((running - 1))
    fi
done
wait
