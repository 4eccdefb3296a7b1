#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60), two at a time (the machines have 2 cores).
#
#   scripts/fuzz.sh [SECONDS] [TARGET ...]
#   scripts/fuzz.sh save [COUNT] [TARGET ...]   # copy crashes and COUNT (default 40) inputs of the minimized
#                                               # corpus of each target to tests/fixtures/robust/corpus/<target>
#
# Seeds come from fuzz/seeds/<target>; the growing corpus lives in fuzz/corpus/<target> and crashes in
# fuzz/artifacts/<target> (both ignored by git: copy the interesting ones to tests/fixtures/robust/corpus/<target>,
# where tests/robust_corpus.rs replays them). Each run's log is fuzz/target/logs/<target>.log; the summary line
# per target gives the executions and whether it crashed.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=run
if [ "${1:-}" = save ]; then
    mode=save
    shift
fi
seconds="${1:-60}"
shift || true
all_targets=(parse scan load_toml load_json load_csv expand narrate check schema preprocess)
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
        expand | narrate | preprocess | check) echo 16384 ;;
        schema) echo 8192 ;;
        *) echo 4096 ;;
    esac
}

bin_dir=fuzz/target/x86_64-unknown-linux-gnu/release

# Keeps what the fuzzer found for the regression test: every crash, and a sample of the corpus after a
# set-cover merge (inputs that each add coverage), so the test replays a broad but small set.
save_one() {
    local target="$1" count="$2" merged
    local dest="tests/fixtures/robust/corpus/$target"
    mkdir -p "$dest"
    merged="$(mktemp -d)"
    "$bin_dir/$target" -set_cover_merge=1 -max_len="$(max_len_for "$target")" "$merged" "fuzz/corpus/$target" \
        >/dev/null 2>&1 || true
    find "$merged" -type f | sort | head -n "$count" | xargs -r cp -t "$dest"
    find "fuzz/artifacts/$target" -type f -name 'crash-*' -o -type f -name 'timeout-*' -o -type f -name 'oom-*' \
        2>/dev/null | xargs -r cp -t "$dest"
    rm -rf "$merged"
    echo "$target: $(find "$dest" -type f | wc -l) inputs in $dest"
}

if [ "$mode" = save ]; then
    for target in "${targets[@]}"; do save_one "$target" "$seconds"; done
    exit 0
fi

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
